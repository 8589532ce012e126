// Backend tests: the backend CLI commands (deploy, functions, logs, rollback, delete) against a real backend, and the
// client's errors that say what to do.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand, CliIO } from '../../src/cli/command';
import { deployCommand } from '../../src/cli/commands/deploy';
import { functionsCommand } from '../../src/cli/commands/functions';
import { logsCommand } from '../../src/cli/commands/logs';
import { rollbackCommand } from '../../src/cli/commands/rollback';
import { deleteCommand } from '../../src/cli/commands/delete';
import { invokeCommand } from '../../src/cli/commands/invoke';
import { BackendClient, followLogs, remoteInvoke } from '../../src/client';
import { exitCodeOf, isNimbusError } from '../../src/shared/errors';
import { MetadataStore } from '../../src/backend/store';
import { silentLogger } from '../../src/shared/logger';
import { helloSource, startTestBackend, testToken, useTestBackend, waitFor } from './helpers';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('backend CLI commands and client', function () {
  this.timeout(30_000);
  const fixture = useTestBackend();

  /** Commands still running; a test that fails while one follows logs must not leave it reconnecting for ever. */
  const running = new Set<AbortController>();
  afterEach(() => {
    for (const abort of running) abort.abort();
  });

  /** Runs a command the way src/cli/run.ts does, with the backend's URL and token in the environment. */
  function start(command: CliCommand, argv: string[], abort = new AbortController()): { done: Promise<Run>; output: () => string; errors: () => string } {
    let stdout = '';
    let stderr = '';
    const io: CliIO = {
      stdout: { write: (text) => void (stdout += text) },
      stderr: { write: (text) => void (stderr += text) },
      cwd: fixture.project.root,
      env: { NIMBUS_BACKEND: fixture.backend.url, NIMBUS_TOKEN: testToken },
      signal: abort.signal,
    };
    const { values, positionals } = parseArgs({ args: argv, options: command.options, allowPositionals: true });
    running.add(abort);
    const done = command.run({ values, positionals }, io).then((code) => ({ code, stdout, stderr }));
    void done.finally(() => running.delete(abort)).catch(() => undefined);
    return { done, output: () => stdout, errors: () => stderr };
  }
  const run = (command: CliCommand, argv: string[]) => start(command, argv).done;

  it('deploys functions with progress on stderr and URLs on stdout', async () => {
    const result = await run(deployCommand, ['hello', 'secret']);
    assert.equal(result.code, 0);
    assert.match(result.stderr, /Bundling hello…\nUploading hello \([\d.]+ KiB, sha256 [0-9a-f]{12}\)…\nDeployed hello version 1 in \d+ ms/);
    assert.equal(result.stdout, `hello\t${fixture.backend.url}/fn/hello/{name}\nhello\t${fixture.backend.url}/fn/echo\nsecret\t${fixture.backend.url}/fn/secret\n`);
    const again = await run(deployCommand, ['hello']);
    assert.match(again.stderr, /hello is unchanged: version 1 keeps serving/);
  });

  it('lists deployed functions as a table and as JSON', async () => {
    const table = await run(functionsCommand, []);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+VERSION\s+RUNTIME\s+MEMORY\s+TIMEOUT\s+TRIGGERS\s+URL$/);
    assert.match(lines[1]!, /^hello\s+1\s+node20\s+128 MB\s+10 s\s+http,http\s+http:\/\/127\.0\.0\.1:\d+\/fn\/hello\/\{name\}$/);
    const json = JSON.parse((await run(functionsCommand, ['--json'])).stdout) as { name: string }[];
    assert.deepEqual(json.map((fn) => fn.name), ['hello', 'secret']);
  });

  it('invokes remotely with a local-invocation-shaped result', async () => {
    const outcome = await remoteInvoke(fixture.client, 'hello', { name: 'remote' });
    assert.equal((outcome.result as { body: string }).body, 'hello remote');
    assert.equal(outcome.functionName, 'hello');
    assert.equal(outcome.version, 1);
    assert.ok(outcome.report.billedMs >= 1);
  });

  it('prints stored logs and follows new lines live until aborted', async () => {
    const stored = await run(logsCommand, ['hello']);
    assert.match(stored.stdout, /\tINFO\tgreeting remote\n/);
    assert.match(stored.stdout, /\tINFO\tREPORT RequestId: /);

    const abort = new AbortController();
    const follow = start(logsCommand, ['hello', '--follow'], abort);
    await waitFor('the stored lines', () => (follow.output().includes('greeting remote') ? true : undefined), 5_000);
    await fixture.client.invoke('hello', { name: 'followed' });
    await waitFor('the live line', () => (follow.output().includes('greeting followed') ? true : undefined), 5_000);
    abort.abort();
    const result = await follow.done;
    assert.equal(result.code, 0);
    assert.equal(result.stdout.split('greeting remote').length, 2, 'a stored line printed twice');
  });

  it('follows on across a backend restart: reconnects and prints the lines written meanwhile, each once', async () => {
    const abort = new AbortController();
    const follow = start(logsCommand, ['hello', '--follow', '--limit', '1'], abort);
    const seen = (text: string) => () => (follow.output().includes(text) ? true : undefined);
    await waitFor('the newest stored line', () => (follow.output() ? true : undefined), 5_000);
    await fixture.client.invoke('hello', { name: 'before-restart' });
    await waitFor('the live line before the restart', seen('greeting before-restart'), 5_000);

    const { port } = fixture.backend;
    await fixture.backend.close();
    // A line stored while no backend serves the stream: only the catch-up after the reconnect can print it.
    const store = new MetadataStore(join(fixture.dataDir, 'metadata.db'), silentLogger);
    const time = new Date().toISOString();
    store.recordInvocations([
      {
        record: {
          requestId: 'offline', functionName: 'hello', version: 1, trigger: 'api', failed: false, durationMs: 1, billedMs: 1,
          memoryMB: 128, maxMemoryUsedMB: 40, coldStart: false, costUsd: 0, startedAt: time, reportedAt: time,
        },
        lines: [{ requestId: 'offline', functionName: 'hello', time, level: 'info', message: 'greeting written-offline' }],
      },
    ]);
    await store.close();
    Object.assign(fixture, await startTestBackend(fixture.dataDir, { port }));
    // Most likely written before the follower is back (its first pause is 250 ms): it comes from the catch-up.
    await fixture.client.invoke('hello', { name: 'while-away' });
    await waitFor('the reconnect', () => (follow.errors().includes('Reconnected') ? true : undefined), 10_000);
    await fixture.client.invoke('hello', { name: 'after-reconnect' });
    await waitFor('the live line after the reconnect', seen('greeting after-reconnect'), 5_000);
    abort.abort();
    const result = await follow.done;
    assert.equal(result.code, 0);
    for (const name of ['before-restart', 'written-offline', 'while-away', 'after-reconnect']) {
      assert.equal(result.stdout.split(`greeting ${name}\n`).length, 2, `"greeting ${name}" printed once:\n${result.stdout}`);
    }
    assert.match(result.stderr, /Lost the log stream \(the backend at http:\/\/127\.0\.0\.1:\d+ closed the log stream\); reconnecting… \(Ctrl-C to stop\)\n/);
  });

  it('follows on when the backend goes away right after the stream opened, before the first page came', async () => {
    await run(deployCommand, ['hello']);
    const abort = new AbortController();
    running.add(abort);
    const lines: string[] = [];
    const states: string[] = [];
    const { port } = fixture.backend;
    let closing: Promise<void> | undefined;
    const following = followLogs(fixture.client, 'hello', {
      since: new Date().toISOString(),
      onLine: (line) => lines.push(line.message),
      onStatus: (status) => {
        states.push(status.state);
        // The first page is asked for right after this returns: the backend is gone by then.
        if (status.state === 'connected') closing = fixture.backend.close();
      },
      signal: abort.signal,
    });
    await waitFor('the stream to open', () => (closing ? true : undefined), 5_000);
    await closing;
    Object.assign(fixture, await startTestBackend(fixture.dataDir, { port }));
    await waitFor('the reconnect', () => (states.includes('reconnected') ? true : undefined), 10_000);
    await fixture.client.invoke('hello', { name: 'after-early-loss' });
    await waitFor('the live line after the reconnect', () => (lines.includes('greeting after-early-loss') ? true : undefined), 5_000);
    abort.abort();
    await following;
    assert.deepEqual(states.filter((state) => state !== 'reconnecting'), ['connected', 'reconnected']);
  });

  it('rolls back to the previous version and to a named one', async () => {
    await fixture.project.write('src/hello.ts', helloSource('bonjour'));
    await run(deployCommand, ['hello']);
    assert.equal(await (await fetch(`${fixture.backend.url}/fn/hello/a`)).text(), 'bonjour a');
    const back = await run(rollbackCommand, ['hello']);
    assert.match(back.stderr, /hello now serves version 1/);
    assert.equal(await (await fetch(`${fixture.backend.url}/fn/hello/a`)).text(), 'hello a');
    await run(rollbackCommand, ['hello', '--version', '2']);
    assert.equal(await (await fetch(`${fixture.backend.url}/fn/hello/a`)).text(), 'bonjour a');
    await assert.rejects(run(rollbackCommand, ['hello', '--version', 'two']), (error: unknown) => isNimbusError(error) && error.code === 'USAGE');
    await fixture.project.write('src/hello.ts', helloSource('hello'));
  });

  it('deletes a function and then says how to deploy it', async () => {
    const result = await run(deleteCommand, ['secret']);
    assert.match(result.stderr, /Deleted secret/);
    await assert.rejects(run(deleteCommand, ['secret']), (error: unknown) => isNimbusError(error) && error.code === 'NOT_FOUND' && /nimbus deploy secret/.test(error.message));
  });

  it('says how to start the backend when it is unreachable', async () => {
    const closedPort = await new Promise<number>((resolvePromise) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolvePromise(port));
      });
    });
    const offline = new BackendClient({ url: `http://127.0.0.1:${closedPort}`, token: testToken, retries: 1 });
    await assert.rejects(offline.listFunctions(), (error: unknown) => isNimbusError(error) && error.code === 'BACKEND_UNREACHABLE' && /nimbus backend/.test(error.message));
    // A deploy checks the backend before bundling anything.
    await assert.rejects(run(deployCommand, ['hello', '--backend', `http://127.0.0.1:${closedPort}`]), (error: unknown) => isNimbusError(error) && error.code === 'BACKEND_UNREACHABLE');
  });

  /** Like `run`, from another folder and with only the given environment: no token unless `env` has one. */
  async function runFrom(command: CliCommand, argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const io: CliIO = {
      stdout: { write: (text) => void (stdout += text) },
      stderr: { write: (text) => void (stderr += text) },
      cwd,
      env,
      signal: new AbortController().signal,
    };
    const { values, positionals } = parseArgs({ args: argv, options: command.options, allowPositionals: true });
    const code = await command.run({ values, positionals }, io);
    return { code, stdout, stderr };
  }

  it('invokes a deployed function with --remote from a folder without its project, with its deployed trigger\'s template', async () => {
    await run(deployCommand, ['hello']);
    const elsewhere = await mkdtemp(join(tmpdir(), 'nimbus-remote-'));
    try {
      const env = { NIMBUS_BACKEND: fixture.backend.url, NIMBUS_TOKEN: testToken };
      // The template of hello's first trigger, GET /hello/{name}, from the backend: no nimbus.yaml here.
      const templated = await runFrom(invokeCommand, ['hello', '--remote'], elsewhere, env);
      assert.equal(templated.code, 0, templated.stderr);
      assert.equal((JSON.parse(templated.stdout) as { body: string }).body, 'hello sample-name');
      await writeFile(join(elsewhere, 'event.json'), JSON.stringify({ name: 'from-a-file' }));
      const fromFile = await runFrom(invokeCommand, ['hello', '--remote', '--event', 'event.json'], elsewhere, env);
      assert.equal((JSON.parse(fromFile.stdout) as { body: string }).body, 'hello from-a-file');
      const missing = runFrom(invokeCommand, ['nope', '--remote'], elsewhere, env);
      await assert.rejects(missing, (error: unknown) => isNimbusError(error) && error.code === 'NOT_FOUND' && /nope is not deployed/.test(error.message));
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('deploys every function past one the backend refuses, names each failure and exits with its code', async () => {
    await run(deployCommand, ['hello']);
    const root = await mkdtemp(join(tmpdir(), 'nimbus-deploy-clash-'));
    try {
      await mkdir(join(root, 'src'));
      for (const name of ['first', 'taken', 'last']) await writeFile(join(root, 'src', `${name}.js`), 'exports.handler = async () => ({ statusCode: 200 });\n');
      const manifest = join(root, 'nimbus.yaml');
      await writeFile(
        manifest,
        [
          'service: clash',
          'functions:',
          '  first: { handler: src/first.handler, triggers: [{ http: { method: GET, path: /first } }] }',
          // The route of the deployed `hello`: the backend refuses it.
          '  taken: { handler: src/taken.handler, triggers: [{ http: { method: GET, path: "/hello/{name}" } }] }',
          '  last: { handler: src/last.handler, triggers: [{ http: { method: GET, path: /last } }] }',
          '',
        ].join('\n'),
      );
      const result = await run(deployCommand, ['--manifest', manifest]);
      assert.equal(result.code, exitCodeOf('CONFLICT'), result.stderr);
      assert.match(result.stderr, /Deployed first version 1 in \d+ ms\n/);
      assert.match(result.stderr, /\nerror: cannot deploy taken: route 'GET \/hello\/\{name\}' clashes with 'GET \/hello\/\{name\}' of hello; /);
      assert.match(result.stderr, /Deployed last version 1 in \d+ ms\nDeployed 2 of 3 functions; not deployed: taken\n$/);
      assert.equal(result.stdout, `first\t${fixture.backend.url}/fn/first\nlast\t${fixture.backend.url}/fn/last\n`);
      const deployed = (await fixture.client.listFunctions()).map((fn) => fn.name);
      assert.ok(deployed.includes('first') && deployed.includes('last') && !deployed.includes('taken'), deployed.join(', '));
      // One function named: its refusal is the command's error, as before.
      await assert.rejects(run(deployCommand, ['taken', '--manifest', manifest]), (error: unknown) => isNimbusError(error) && error.code === 'CONFLICT');
    } finally {
      for (const name of ['first', 'last']) await fixture.client.deleteFunction(name).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    }
  });

  it("finds a local backend's token in the nearest .nimbus/backend/token from the working folder up, after --token and NIMBUS_TOKEN", async () => {
    const root = await mkdtemp(join(tmpdir(), 'nimbus-token-'));
    try {
      const below = join(root, 'project', 'src', 'deep');
      await mkdir(below, { recursive: true });
      const writeToken = async (folder: string, token: string) => {
        await mkdir(join(folder, '.nimbus', 'backend'), { recursive: true });
        await writeFile(join(folder, '.nimbus', 'backend', 'token'), token + '\n');
      };
      // The nearest file wins over one further up.
      await writeToken(join(root, 'project'), testToken);
      await writeToken(root, 'a-farther-wrong-token');
      const env = { NIMBUS_BACKEND: fixture.backend.url };
      const listed = await runFrom(functionsCommand, ['--json'], below, env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(Array.isArray(JSON.parse(listed.stdout)));
      const refused = (error: unknown) => isNimbusError(error) && error.code === 'BACKEND_UNAUTHORIZED' && /refused the token/.test(error.message);
      await assert.rejects(runFrom(functionsCommand, [], below, { ...env, NIMBUS_TOKEN: 'wrong' }), refused);
      await assert.rejects(runFrom(functionsCommand, ['--token', 'wrong'], below, env), refused);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('says no token was sent, and how to give one, when none was found and the backend wants one', async () => {
    const nowhere = await mkdtemp(join(tmpdir(), 'nimbus-no-token-'));
    try {
      const env = { NIMBUS_BACKEND: fixture.backend.url };
      const missing = (error: unknown) =>
        isNimbusError(error) &&
        error.code === 'BACKEND_UNAUTHORIZED' &&
        /^no token was sent to the backend at http:\/\/127\.0\.0\.1:\d+; pass --token TOKEN or set NIMBUS_TOKEN \(a backend on this machine keeps its token in \.nimbus\/backend\/token of the folder it was started in/.test(error.message);
      await assert.rejects(runFrom(functionsCommand, [], nowhere, env), missing);
      // The log stream's refusal too, and a deploy's.
      await assert.rejects(runFrom(logsCommand, ['hello', '--follow'], nowhere, env), missing);
      await assert.rejects(runFrom(deployCommand, ['hello', '--manifest', join(fixture.project.root, 'nimbus.yaml')], nowhere, env), missing);
    } finally {
      await rm(nowhere, { recursive: true, force: true });
    }
  });

  it('refuses a --backend or NIMBUS_BACKEND that is not an http(s) URL with a usage error saying what to write', async () => {
    const usage = (text: string) => (error: unknown) => isNimbusError(error) && error.code === 'USAGE' && error.message === text;
    await assert.rejects(run(functionsCommand, ['--backend', '127.0.0.1:7810']), usage("--backend must be a URL such as http://127.0.0.1:7700 (got '127.0.0.1:7810')"));
    await assert.rejects(run(deployCommand, ['hello', '--backend', 'localhost:7700']), usage("--backend must be a URL such as http://127.0.0.1:7700 (got 'localhost:7700')"));
    await assert.rejects(
      runFrom(functionsCommand, [], fixture.project.root, { NIMBUS_BACKEND: 'ftp://127.0.0.1:7700', NIMBUS_TOKEN: testToken }),
      usage("NIMBUS_BACKEND must be a URL such as http://127.0.0.1:7700 (got 'ftp://127.0.0.1:7700')"),
    );
    assert.equal(exitCodeOf('USAGE'), 2);
  });
});
