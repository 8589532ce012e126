// Bundles every entry point of Nimbus into dist/ with esbuild (`--watch` to rebuild on change).
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, copyFileSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// Each entry runs in plain Node except extension.js and its lazily required *Lib.js bundles (VS Code extension host)
// and webview.js (browser).
const nodeEntries = {
  extension: 'src/extension/main.ts',
  // Required by extension.js on first use (a manifest opened), so that activation does not load it.
  languageClientLib: 'src/extension/languageClientLib.ts',
  // Required by extension.js when the first debug session starts: the extension host runs the adapter inline.
  debugAdapterLib: 'src/extension/debugAdapterLib.ts',
  debugAdapter: 'src/debug/main.ts',
  languageServer: 'src/language/main.ts',
  cli: 'src/cli/main.ts',
  backend: 'src/backend/main.ts',
  harness: 'src/executor/harness/main.ts',
};
const hostsExtension = (name) => name === 'extension' || name.endsWith('Lib');
const present = Object.fromEntries(Object.entries(nodeEntries).filter(([, file]) => existsSync(file)));

const common = {
  bundle: true,
  sourcemap: true,
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

// One build per entry, so a broken entry point never keeps the others from building.
const builds = Object.entries(present).map(([name, file]) => ({
  ...common,
  entryPoints: { [name]: file },
  outdir: 'dist',
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Native or binary-carrying packages load from node_modules at run time. 'vscode' is external only for the
  // extension: a stray import of it anywhere else fails that entry's build.
  external: hostsExtension(name) ? ['vscode', 'esbuild', 'better-sqlite3'] : ['esbuild', 'better-sqlite3'],
  // The extension measures its own activation from the first line of its bundle (module loading included).
  ...(name === 'extension' ? { banner: { js: 'var __nimbusLoadStart = performance.now();' } } : {}),
}));
if (existsSync('src/webview/main.ts')) {
  builds.push({
    ...common,
    entryPoints: { webview: 'src/webview/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  });
}

mkdirSync('dist', { recursive: true });
if (existsSync('src/shared/manifest/nimbus.schema.json')) {
  copyFileSync('src/shared/manifest/nimbus.schema.json', 'dist/nimbus.schema.json');
}

if (watch) {
  for (const options of builds) {
    const context = await esbuild.context(options);
    await context.watch();
  }
} else {
  const results = await Promise.allSettled(builds.map((options) => esbuild.build(options)));
if (results.some((result) => result.status === 'rejected')) process.exit(1);
}
