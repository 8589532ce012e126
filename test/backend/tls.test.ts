// Backend tests: the backend serving HTTPS and WSS (`--tls-cert`/`--tls-key`), used the way a team uses it — the real
// `nimbus` CLI in its own process, trusting the backend's private CA through NODE_EXTRA_CA_CERTS (Node reads it only
// at start, so the client side cannot run in this process). test/fixtures/tls holds a self-signed certificate for
// 127.0.0.1 and localhost.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { get } from 'node:https';
import { join, resolve } from 'node:path';
import { createDataDir, testToken, useTestBackend, waitFor } from './helpers';

const cli = resolve(__dirname, '../../dist/cli.js');
const fixtures = resolve(__dirname, '../fixtures/tls');
const certFile = join(fixtures, 'cert.pem');
const keyFile = join(fixtures, 'key.pem');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `nimbus` as a user does, asynchronously: the backend under test answers from this process meanwhile. */
function nimbus(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { cwd, env: { ...process.env, NIMBUS_BACKEND: '', NIMBUS_TOKEN: testToken, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const trusting = { NODE_EXTRA_CA_CERTS: certFile };

describe('backend over TLS', function () {
  this.timeout(30_000);
  const fixture = useTestBackend({ backend: { tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) } } });

  it('serves https, and the CLI deploys and invokes through it when it trusts the CA', async () => {
    assert.match(fixture.backend.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const deployed = await nimbus(['deploy', 'hello', '--backend', fixture.backend.url], fixture.project.root, trusting);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, new RegExp(`${fixture.backend.url}/fn/hello/`));
    const invoked = await nimbus(['invoke', 'hello', '--remote', '--data', '{"name":"tls"}', '--backend', fixture.backend.url], fixture.project.root, trusting);
    assert.equal(invoked.code, 0, invoked.stderr);
    assert.equal(JSON.parse(invoked.stdout).body, 'hello tls');
  });

  it('serves the HTTP triggers over https', async () => {
    await waitFor('hello deployed', async () => ((await nimbus(['functions', '--backend', fixture.backend.url], fixture.project.root, trusting)).stdout.includes('hello') ? true : undefined));
    const body = await new Promise<string>((done, fail) => {
      get(`${fixture.backend.url}/fn/hello/secure`, { ca: readFileSync(certFile) }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => done(`${response.statusCode} ${text}`));
      }).on('error', fail);
    });
    assert.equal(body, '200 hello secure');
  });

  it('tails logs live over wss', async () => {
    const follower = spawn(process.execPath, [cli, 'logs', 'hello', '--follow', '--backend', fixture.backend.url], {
      cwd: fixture.project.root,
      env: { ...process.env, NIMBUS_TOKEN: testToken, ...trusting },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      follower.stdout.setEncoding('utf8');
      follower.stdout.on('data', (chunk: string) => (output += chunk));
      follower.stderr.on('data', () => undefined);
      // Lines written after the follower started must arrive while it runs (history alone could come from the page).
      await new Promise((ready) => setTimeout(ready, 1000));
      const invoked = await nimbus(['invoke', 'hello', '--remote', '--data', '{"name":"live-over-wss"}', '--backend', fixture.backend.url], fixture.project.root, trusting);
      assert.equal(invoked.code, 0, invoked.stderr);
      await waitFor('the live line', () => (output.includes('greeting live-over-wss') ? true : undefined));
    } finally {
      follower.kill();
    }
  });

  it('tells a client that does not trust the certificate how to trust it', async () => {
    const run = await nimbus(['functions', '--backend', fixture.backend.url], fixture.project.root);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /TLS certificate this machine does not accept \(self-signed certificate\).*NODE_EXTRA_CA_CERTS/);
  });

  it('tells a client that speaks plain http to use https', async () => {
    const plain = fixture.backend.url.replace('https:', 'http:');
    const run = await nimbus(['functions', '--backend', plain], fixture.project.root);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, new RegExp(`closed the connection without answering; if it serves HTTPS \\(--tls-cert\\), use ${fixture.backend.url}`));
  });
});

describe('nimbus backend --tls-cert/--tls-key', function () {
  this.timeout(30_000);
  let dataDir: string;

  before(async () => {
    dataDir = await createDataDir();
  });

  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = (flags: string[]) => nimbus(['backend', '--port', '0', '--data', dataDir, ...flags], dataDir);

  it('refuses one without the other', async () => {
    const run = await start(['--tls-cert', certFile]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--tls-cert and --tls-key go together: give both PEM files \(got only --tls-cert\)/);
  });

  it('refuses a file it cannot read, naming it', async () => {
    const missing = join(dataDir, 'missing.pem');
    const run = await start(['--tls-cert', certFile, '--tls-key', missing]);
    assert.equal(run.code, 2);
    assert.ok(run.stderr.includes(`cannot read --tls-key ${missing}: ENOENT`), run.stderr);
  });

  it('refuses a key that does not belong to the certificate', async () => {
    const otherKey = join(dataDir, 'other-key.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(otherKey, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const run = await start(['--tls-cert', certFile, '--tls-key', otherKey]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /are not a usable PEM certificate and its private key \(.*\); check that the key belongs to the certificate/);
  });
});
