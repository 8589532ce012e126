// Unit tests of `nimbus serve`: it prints how to fire every trigger, prints live output prefixed with the function
// name, and stops cleanly — no instance left running — when its signal aborts.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { serveCommand } from '../../src/cli/commands/serve';
import type { CliIO } from '../../src/cli/command';
import { createProject, ensureHarnessBuilt, until } from './sources/project';

const manifest = `
service: demo
functions:
  hello:
    handler: hello.handler
    triggers:
      - http: { method: GET, path: /hello }
      - queue: { topic: greetings, batchSize: 1, maxRetries: 0 }
      - schedule: { cron: "0 9 1 1 *" }
      - storage: { bucket: inbox, events: [created] }
`;

/** Pids of this process's children that run a function instance. */
function instanceChildren(): number[] {
  if (process.platform !== 'linux') return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('harness')) pids.push(Number(entry));
    } catch {
      // The process ended while it was being read.
    }
  }
  return pids;
}

function captureIO(cwd: string, signal: AbortSignal): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text) => void (out += text) },
    stderr: { write: (text) => void (err += text) },
    cwd,
    env: {},
    signal,
    out: () => out,
    err: () => err,
  };
}

describe('nimbus serve', function () {
  this.timeout(30_000);
  let root: string;

  before(async () => {
    ensureHarnessBuilt();
    root = await createProject({ 'nimbus.yaml': manifest, 'hello.js': `exports.handler = async () => { console.log('hi from hello'); return 'hi'; };` });
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prints routes, schedules, topics and buckets, streams function output and stops cleanly on abort', async () => {
    const controller = new AbortController();
    const io = captureIO(root, controller.signal);
    const running = serveCommand.run({ values: { port: '0' }, positionals: [] }, io);
    try {
      const banner = await until(() => (io.out().includes('Control API') ? io.out() : undefined), 15_000, 'banner');
      const url = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      assert.ok(url, banner);
      assert.match(banner, new RegExp(`GET  ${url}/hello +→ hello`));
      assert.match(banner, /0 9 1 1 \*  → hello  next \d{4}-01-01T09:00:00\.000Z/);
      assert.ok(banner.includes(`curl -X POST ${url}/_nimbus/schedules/hello/fire`));
      assert.ok(banner.includes(`curl -X POST ${url}/_nimbus/queues/greetings/messages`));
      assert.ok(banner.includes(join(root, '.nimbus', 'buckets', 'inbox')));

      assert.equal(await (await fetch(`${url}/hello`)).text(), 'hi');
      await until(() => (io.err().includes('[hello] REPORT RequestId:') ? true : undefined), 5000, 'REPORT line');
      assert.match(io.err(), /\[hello\] \S+\t\S+\tINFO\thi from hello/);
      assert.ok(instanceChildren().length > 0, 'a warm instance runs while serving');
    } finally {
      controller.abort();
    }
    assert.equal(await running, 0);
    assert.deepEqual(instanceChildren(), []);
  });

  it('rejects a port that is not a number with a usage error', async () => {
    const io = captureIO(root, new AbortController().signal);
    await assert.rejects(serveCommand.run({ values: { port: 'eighty' }, positionals: [] }, io), { code: 'USAGE' });
  });
});
