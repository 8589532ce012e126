// `npm run bench`: runs every benchmark and prints one table each (Markdown, so it pastes into the README).

import { mkdirSync, writeFileSync } from 'node:fs';
import { benchBackend } from './backend';
import { benchEngine } from './engine';
import { benchDebug } from './debug';
import { formatTable } from './stats';

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
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/latest.md', `Measured ${new Date().toISOString()} on ${process.platform} ${process.arch}, Node ${process.version}\n\n` + sections.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
