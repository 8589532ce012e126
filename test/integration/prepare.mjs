// Integration test preparation shared by both runners: bundles the suite for the extension host and copies
// examples/ into a scratch workspace so a run never changes the repository.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');

/** One CommonJS bundle that takes 'vscode' from the extension host and mocha from node_modules; returns its path. */
export async function bundleSuite() {
  const outDir = join(root, '.vscode-test', 'out', 'integration');
  await esbuild.build({
    entryPoints: { index: join(here, 'index.ts') },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(outDir, 'index.js');
}

/** A scratch folder holding a fresh copy of examples/ as `workspace`. */
export function prepareWorkspace() {
  const scratch = mkdtempSync(join(process.env.RUN_TMP || tmpdir(), 'nimbus-vscode-'));
  const workspace = join(scratch, 'workspace');
  cpSync(join(root, 'examples'), workspace, { recursive: true, filter: (source) => !/[\\/](node_modules|\.nimbus)$/.test(source) });
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  // Each run starts clean: no restored editors or panels from an earlier run.
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false }, null, 2));
  return { scratch, workspace };
}

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Polls `url` until it answers 2xx, failing after `timeoutMs`. */
export async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((wait) => setTimeout(wait, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}
