// `npm run bench`: runs every benchmark and prints one table each (Markdown, so it pastes into the README).

import { mkdirSync, writeFileSync } from 'node:fs';
import { benchBackend } from './backend';
import { benchEngine } from './engine';
import { benchDebug } from './debug';
import { formatTable, type BenchRow } from './stats';

/** Published figures of the tools a person would otherwise wait for (not measured here). */
const publishedAnchors: BenchRow[] = [
  { name: 'anchor: AWS SAM `sam local invoke`', note: 'published: ~2–10 s per request (a container per invoke)' },
  { name: 'anchor: Azure Functions Core Tools `func start`', note: 'published: host start ~1–30 s before the first request' },
];

const quick = process.argv.includes('--quick');

async function main(): Promise<void> {
  const sections: string[] = [];
  const print = (title: string, table: string) => {
    sections.push(table);
    process.stdout.write(table + '\n');
    process.stderr.write(`done: ${title}\n`);
  };
  const engineRows = await benchEngine(quick ? { coldRuns: 5, warmRuns: 200, throughputCalls: 1000 } : { coldRuns: 20, warmRuns: 2000, throughputCalls: 10000 });
  print('engine', formatTable('Local engine (trivial handler)', engineRows));
  const backendRows = await benchBackend(quick ? { deployRuns: 3, loadSeconds: 2, connections: [1, 16] } : { deployRuns: 10, loadSeconds: 5, connections: [1, 16, 64] });
  const debugRows = await benchDebug({ runs: quick ? 3 : 10 });
  print('debug', formatTable('Debugging (F5 → bound breakpoint hit)', debugRows));
  print('backend', formatTable('Companion backend (HTTP trigger under autocannon; latency in whole ms)', backendRows));
  // Last: it packages the .vsix and drives the real workbench in Chromium (the runtime of ../shared/TESTING.md).
  const { benchE2E } = await import('./e2e.mjs');
  const e2eRows = [...(await benchE2E({ runs: quick ? 3 : 5 })), ...publishedAnchors];
  print('e2e', formatTable('What a person waits for (VS Code web workbench, Chromium; goal < 1.5 s each)', e2eRows));
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/latest.md', `Measured ${new Date().toISOString()} on ${process.platform} ${process.arch}, Node ${process.version}\n\n` + sections.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
