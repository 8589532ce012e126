// Debug layer: the typed CDP client against a real `node --inspect-brk` process.

import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CdpClient, CdpError, type Protocol } from '../../src/debug/cdp';
import { isNimbusError } from '../../src/shared/errors';

const script = ['function add(a, b) {', '  const sum = a + b;', '  return sum;', '}', 'add(1, 2);', ''].join('\n');

/** Starts node paused before the first line, and answers its inspector URL. */
function startPaused(file: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--inspect-brk=127.0.0.1:0', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node did not print its inspector URL within 10 s')), 10_000);
    let text = '';
    child.stderr!.on('data', (chunk) => {
      text += String(chunk);
      const match = /ws:\/\/\S+/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[0] });
      }
    });
  });
}

function nextEvent<T>(subscribe: (listener: (value: T) => void) => { dispose(): void }, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('event did not arrive')), timeoutMs);
    const subscription = subscribe((value) => {
      clearTimeout(timer);
      subscription.dispose();
      resolve(value);
    });
  });
}

describe('CDP client', function () {
  this.timeout(20_000);
  let folder: string;
  let file: string;
  let child: ChildProcess | undefined;
  let cdp: CdpClient | undefined;

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'nimbus-cdp-'));
    file = join(folder, 'add.js');
    writeFileSync(file, script);
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  afterEach(async () => {
    cdp?.dispose();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill();
      await exited;
    }
    cdp = undefined;
    child = undefined;
  });

  it('sets a breakpoint by URL before the script runs, pauses there and evaluates in the frame; traces by tag', async () => {
    const started = await startPaused(file);
    child = started.child;
    const traced: string[] = [];
    cdp = await CdpClient.connect(started.url, { trace: (tag, message) => traced.push(`${tag} ${(message as { method?: string }).method ?? ''}`) });
    const pauses: Protocol.PausedEvent[] = [];
    cdp.api.Debugger.onPaused((event) => pauses.push(event));
    await cdp.api.Runtime.enable();
    await cdp.api.Debugger.enable({});
    const breakpoint = await cdp.api.Debugger.setBreakpointByUrl({ url: pathToFileURL(file).href, lineNumber: 1 });
    assert.match(breakpoint.breakpointId, /\S/);
    const atBreakpoint = nextEvent<Protocol.PausedEvent>((listener) =>
      cdp!.api.Debugger.onPaused((event) => {
        if (event.hitBreakpoints?.length) listener(event);
      }),
    );
    await cdp.api.Runtime.runIfWaitingForDebugger();
    // --inspect-brk stops on the first line first; go on to the breakpoint.
    await waitFor(() => pauses.length > 0);
    await cdp.api.Debugger.resume({});
    const paused = await atBreakpoint;
    assert.equal(paused.callFrames[0]!.location.lineNumber, 1);
    const evaluated = await cdp.api.Debugger.evaluateOnCallFrame({ callFrameId: paused.callFrames[0]!.callFrameId, expression: 'a + b' });
    assert.equal(evaluated.result.value, 3);
    assert.ok(traced.includes('send Debugger.setBreakpointByUrl'));
    assert.ok(traced.includes('event Debugger.paused'));
    assert.ok(traced.some((line) => line.startsWith('receive')));
  });

  it('rejects an inspector error as CdpError, and pending calls when the connection closes', async () => {
    const started = await startPaused(file);
    child = started.child;
    cdp = await CdpClient.connect(started.url);
    await assert.rejects(cdp.api.Debugger.evaluateOnCallFrame({ callFrameId: 'no-such-frame', expression: '1' }), (error: unknown) => error instanceof CdpError && error.method === 'Debugger.evaluateOnCallFrame');
    const closed = nextEvent<void>((listener) => cdp!.onDidClose(listener));
    const pending = cdp.api.Runtime.evaluate({ expression: 'while (true) {}', silent: true });
    child.kill();
    await closed;
    await assert.rejects(pending, (error: unknown) => isNimbusError(error) && error.code === 'DEBUG_ATTACH_FAILED');
    assert.equal(cdp.isClosed, true);
  });

  it('fails to connect with DEBUG_ATTACH_FAILED and a sentence', async () => {
    await assert.rejects(CdpClient.connect('ws://127.0.0.1:9/nothing', { timeoutMs: 2000 }), (error: unknown) => isNimbusError(error) && error.code === 'DEBUG_ATTACH_FAILED' && /inspector/.test(error.message));
  });
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 10));
  }
}
