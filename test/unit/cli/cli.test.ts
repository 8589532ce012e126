// The `nimbus` CLI contract of DESIGN §4, driven through the built dist/cli.js as a user runs it.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const cli = resolve(__dirname, '../../../dist/cli.js');
const examples = resolve(__dirname, '../../../examples');

function nimbus(args: string[], cwd: string, input?: string) {
  const run = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', input, timeout: 30_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs the CLI with the reader of `closed` gone before it writes a byte, as `nimbus functions | head -1` can. */
function nimbusIntoClosedPipe(args: string[], cwd: string, closed: 'stdout' | 'stderr'): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  child[closed].destroy();
  let output = '';
  child[closed === 'stdout' ? 'stderr' : 'stdout'].on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, output }));
  });
}

describe('nimbus CLI', function () {
  this.timeout(60_000);
  let dir: string;

  before(() => {
    assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first');
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nimbus-cli-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('invoke prints exactly one JSON value on stdout and logs + REPORT on stderr', () => {
    const run = nimbus(['invoke', 'api', '--data', '{"routeKey":"GET /hello/{name}","pathParameters":{"name":"Ada"}}'], examples);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.statusCode, 200);
    assert.equal(JSON.parse(result.body).greeting, 'Hello, Ada!');
    assert.match(run.stderr, /\tINFO\tHello, Ada!/);
    assert.match(run.stderr, /^REPORT RequestId: \S+ Duration: [\d.]+ ms Billed Duration: \d+ ms Memory Size: 256 MB Max Memory Used: \d+ MB Init Duration: [\d.]+ ms$/m);
  });

  it('invoke reads a saved event by name and a template by trigger type', () => {
    const saved = nimbus(['invoke', 'thumbnail', '--event', 'upload'], examples);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(JSON.parse(saved.stdout)[0].target, 'thumbs/128/cat.png');
    const templated = nimbus(['invoke', 'report', '--template', 'schedule'], examples);
    assert.equal(templated.code, 0, templated.stderr);
    assert.match(JSON.parse(templated.stdout).rule, /^arn:aws:events:/);
  });

  it('init creates a project whose function runs at once, and never overwrites', () => {
    const created = nimbus(['init', 'app', '--template', 'queue', '--ts'], dir);
    assert.equal(created.code, 0, created.stderr);
    const project = join(dir, 'app');
    assert.match(readFileSync(join(project, 'nimbus.yaml'), 'utf8'), /queue: \{ topic: jobs/);
    const run = nimbus(['invoke', 'worker', '--event', 'sample'], project);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { processed: 1 });
    const again = nimbus(['init', 'app'], dir);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists; nothing was changed/);
  });

  it("init's next steps can be pasted into a shell, whatever the folder's name", () => {
    const created = nimbus(['init', "my app's"], dir);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, /\n {2}cd 'my app'\\''s'\n {2}nimbus invoke hello --event sample {3}# run it once/);
    assert.match(created.stderr, /\n {2}nimbus serve {25}# run every trigger locally/);
  });

  it('says what nimbus.yaml warns about on stderr, and runs anyway', () => {
    writeFileSync(join(dir, 'nimbus.yaml'), 'service: s\nfunctions:\n  a:\n    handler: a.handler\n    triggers:\n      - schedule: { cron: "0 0 31 2 *" }\n');
    writeFileSync(join(dir, 'a.js'), 'exports.handler = async () => 1;\n');
    const run = nimbus(['invoke', 'a'], dir);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), '1');
    assert.match(run.stderr, /^warning: .*nimbus\.yaml:6:\d+: functions\.a\.triggers\[0\]\.schedule\.cron: '0 0 31 2 \*' never fires; check the day and month fields$/m);
  });

  it("runs a function while another one's handler is broken, and says where the broken one is wrong", () => {
    writeFileSync(join(dir, 'nimbus.yaml'), 'service: s\nfunctions:\n  out:\n    handler: out.handler\n  syn:\n    handler: syn.handler\n');
    writeFileSync(join(dir, 'out.ts'), 'export const handler = async () => "ok";\n');
    writeFileSync(join(dir, 'syn.ts'), 'export const handler = async () => {\n  const x = ;\n};\n');
    const healthy = nimbus(['invoke', 'out'], dir);
    assert.equal(healthy.code, 0, healthy.stderr);
    assert.equal(JSON.parse(healthy.stdout), 'ok');
    const where = /could not read the exports of syn\.ts: syn\.ts:2:13: Unexpected ";"/;
    assert.match(healthy.stderr, new RegExp(`^warning: .*${where.source}$`, 'm'), 'the other function is named as a warning');
    const broken = nimbus(['invoke', 'syn'], dir);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, new RegExp(`^error: .*${where.source}$`, 'm'));
  });

  it('a function that throws exits 1 with the error as JSON on stdout', () => {
    nimbus(['init', '.'], dir);
    writeFileSync(join(dir, 'src', 'hello.js'), 'exports.handler = async () => { throw new TypeError("bad input"); };\n');
    const run = nimbus(['invoke', 'hello'], dir);
    assert.equal(run.code, 1);
    const error = JSON.parse(run.stdout);
    assert.equal(error.errorType, 'TypeError');
    assert.equal(error.errorMessage, 'bad input');
    assert.ok(error.stack);
  });

  it('usage and manifest errors exit 2 with one clear line', () => {
    const unknownFlag = nimbus(['invoke', 'api', '--nope'], examples);
    assert.equal(unknownFlag.code, 2);
    assert.match(unknownFlag.stderr, /Unknown option '--nope'/);
    const unknownFunction = nimbus(['invoke', 'missing'], examples);
    assert.equal(unknownFunction.code, 2);
    assert.match(unknownFunction.stderr, /it has api, status/);
    writeFileSync(join(dir, 'nimbus.yaml'), 'functions:\n  f:\n    handler: src/none.handler\n    memory: 99999\n');
    const invalid = nimbus(['invoke', 'f'], dir);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /nimbus\.yaml:4:13: .*10240/);
    const noManifest = nimbus(['invoke', 'f'], tmpdir());
    assert.equal(noManifest.code, 2);
    assert.match(noManifest.stderr, /nimbus init/);
  });

  it('events generate prints the AWS shape filled from the function', () => {
    const run = nimbus(['events', 'generate', 'http', '--function', 'api'], examples);
    assert.equal(run.code, 0, run.stderr);
    const event = JSON.parse(run.stdout);
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, 'GET /hello/{name}');
    const bad = nimbus(['events', 'generate', 'sqs'], examples);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected one of http, storage, queue, schedule/);
  });

  it('--help and unknown commands', () => {
    const help = nimbus(['--help'], dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /invoke +Run a function once/);
    const unknown = nimbus(['frobnicate'], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const group = nimbus(['events', '--help'], dir);
    assert.equal(group.code, 0, group.stderr);
    assert.match(group.stdout, /^nimbus events generate <http\|storage\|queue\|schedule>/);
    assert.equal(nimbus(['events'], dir).code, 2, 'the group alone is still a usage error');
  });

  it('stops quietly with exit 0 when the reader of stdout went away (EPIPE), and keeps its own code when stderr did', async () => {
    for (const args of [['--help'], ['events', 'generate', 'http', '--function', 'api'], ['invoke', 'api', '--data', '{}']]) {
      const run = await nimbusIntoClosedPipe(args, examples, 'stdout');
      assert.equal(run.code, 0, `nimbus ${args.join(' ')}: ${run.output}`);
      assert.doesNotMatch(run.output, /EPIPE|Unhandled/);
    }
    // No command: the overview goes to stderr and the exit code stays the usage error's.
    assert.equal((await nimbusIntoClosedPipe([], dir, 'stderr')).code, 2);
  });

  it('refuses a --backend or NIMBUS_BACKEND without http:// or https:// as a usage error (exit 2) saying what to write', () => {
    const flag = nimbus(['functions', '--backend', '127.0.0.1:7810'], dir);
    assert.equal(flag.code, 2, flag.stderr);
    assert.equal(flag.stderr, "error: --backend must be a URL such as http://127.0.0.1:7700 (got '127.0.0.1:7810')\n");
    const env = spawnSync(process.execPath, [cli, 'logs', 'api'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NIMBUS_BACKEND: 'localhost:7810' } });
    assert.equal(env.status, 2, env.stderr);
    assert.equal(env.stderr, "error: NIMBUS_BACKEND must be a URL such as http://127.0.0.1:7700 (got 'localhost:7810')\n");
  });
});
