// Test support for the debug adapter: builds dist/ when stale, starts the built adapter under a real DAP client,
// and lists the processes a session started so tests can prove none is left behind.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

export const repositoryRoot = resolve(__dirname, '..', '..');
export const adapterFile = join(repositoryRoot, 'dist', 'debugAdapter.js');
export const cliFile = join(repositoryRoot, 'dist', 'cli.js');
export const fixturesRoot = join(repositoryRoot, 'test', 'fixtures', 'debug');

export function fixture(...parts: string[]): string {
  return join(fixturesRoot, ...parts);
}

function newestModification(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestModification(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let built = false;

/** Builds dist/ (adapter, CLI and harness) unless all are newer than every source they are made of. */
export function ensureBuilt(): void {
  if (built) return;
  const outputs = [adapterFile, cliFile, join(repositoryRoot, 'dist', 'harness.js')];
  const sources = ['src/debug', 'src/executor', 'src/shared', 'src/cli'].map((folder) => newestModification(join(repositoryRoot, folder)));
  const stale = outputs.some((file) => !existsSync(file) || statSync(file).mtimeMs < Math.max(...sources));
  if (stale) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repositoryRoot, stdio: 'ignore', timeout: 60_000 });
  built = true;
}

/** Starts the built adapter as `node dist/debugAdapter.js` under a DebugClient. */
export async function startClient(): Promise<DebugClient> {
  ensureBuilt();
  // The adapter's stderr (diagnostics, trace lines) shows in the test output only with NIMBUS_TEST_STDERR=1.
  const client = new DebugClient(process.execPath, adapterFile, 'nimbus', { cwd: repositoryRoot }, process.env.NIMBUS_TEST_STDERR === '1');
  client.defaultTimeout = 10_000;
  await client.start();
  return client;
}

/** The adapter process the client spawned (DebugClient keeps it private). */
export function adapterPid(client: DebugClient): number {
  return (client as unknown as { _adapterProcess: { pid: number } })._adapterProcess.pid;
}

/** The parent of a process, or undefined once it has ended. */
export function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** A process's command line, or '' once it has ended. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/** Every live descendant of a process, from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

/** Whether a process still runs; a zombie (exited, waiting for whoever adopted it to reap it) does not. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls until `check` holds, at most `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

/** Initializes and launches with breakpoints set during configuration, the way VS Code does; resolves when launch answered. */
export async function launchWithBreakpoints(
  client: DebugClient,
  launchArguments: Record<string, unknown>,
  breakpoints: { path: string; lines: number[]; conditions?: (Partial<DebugProtocol.SourceBreakpoint> | undefined)[] }[] = [],
  exceptionFilters: string[] = [],
): Promise<DebugProtocol.SetBreakpointsResponse[]> {
  const responses: DebugProtocol.SetBreakpointsResponse[] = [];
  const configured = client.waitForEvent('initialized').then(async () => {
    for (const { path, lines, conditions } of breakpoints) {
      responses.push(
        await client.setBreakpointsRequest({ source: { path }, breakpoints: lines.map((line, index) => ({ line, ...conditions?.[index] })) }),
      );
    }
    await client.setExceptionBreakpointsRequest({ filters: exceptionFilters });
    await client.configurationDoneRequest();
  });
  await Promise.all([configured, client.launch({ type: 'nimbus', request: 'launch', ...launchArguments })]);
  return responses;
}

/** Disconnects and stops the client, bounded, whatever state the session is in. */
export async function closeClient(client: DebugClient | undefined): Promise<void> {
  if (!client) return;
  // stop() sends `disconnect` and kills the adapter once answered; kill it anyway if no answer comes.
  await Promise.race([client.stop(), new Promise((done) => setTimeout(done, 8000))]);
  (client as unknown as { stopAdapter(): void }).stopAdapter();
}

/**
 * A fresh adapter and DAP client for every test of the describe block, stopped after it (bounded, whatever state the
 * session is in). `restart()` replaces it within a test.
 */
export function useDebugClient(): { readonly client: DebugClient; restart(): Promise<DebugClient> } {
  let current: DebugClient | undefined;
  beforeEach(async () => {
    current = await startClient();
  });
  afterEach(async () => {
    await closeClient(current);
    current = undefined;
  });
  return {
    get client(): DebugClient {
      if (!current) throw new Error('the debug client exists only while a test runs');
      return current;
    },
    async restart(): Promise<DebugClient> {
      await closeClient(current);
      current = await startClient();
      return current;
    },
  };
}

export const tsCjs = {
  manifest: fixture('ts-cjs', 'nimbus.yaml'),
  handler: fixture('ts-cjs', 'src', 'handler.ts'),
  orders: fixture('ts-cjs', 'src', 'orders.ts'),
  clock: fixture('ts-cjs', 'src', 'clock.ts'),
  looper: fixture('ts-cjs', 'src', 'looper.ts'),
};

/** The top visible frame of thread 1. */
export async function stoppedAt(client: DebugClient): Promise<DebugProtocol.StackFrame> {
  const trace = await client.stackTraceRequest({ threadId: 1 });
  const top = trace.body.stackFrames[0];
  if (!top) throw new Error('No stack frames while stopped');
  return top;
}

/** Every output event from now on, in order. */
export function collectOutput(client: DebugClient): DebugProtocol.OutputEvent['body'][] {
  const events: DebugProtocol.OutputEvent['body'][] = [];
  client.on('output', (event: DebugProtocol.OutputEvent) => events.push(event.body));
  return events;
}
