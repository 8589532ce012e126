// `npm test`: build, static checks, then every suite (unit/DAP/backend/language under mocha, the real-VS-Code
// integration suite, and the browser journeys when present), with one closing line that totals them all.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const stages = [
  { name: 'build', command: 'npm', args: ['run', 'build', '--silent'] },
  { name: 'lint', command: 'npm', args: ['run', 'lint', '--silent'] },
  { name: 'mocha', command: 'npx', args: ['mocha'] },
  { name: 'vscode', command: process.execPath, args: ['test/integration/run.mjs'], env: { NIMBUS_SKIP_BUILD: '1' } },
  { name: 'e2e', command: process.execPath, args: ['test/e2e/run.mjs'], when: () => existsSync('test/e2e/run.mjs') },
];

const totals = { passed: 0, failed: 0, skipped: 0 };
const failedStages = [];

function run(stage) {
  return new Promise((resolve) => {
    const started = Date.now();
    process.stdout.write(`\n==> ${stage.name}\n`);
    const child = spawn(stage.command, stage.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...stage.env } });
    let pending = '';
    const scan = (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) count(line);
    };
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      scan(chunk.toString());
    });
    child.stderr.on('data', (chunk) => process.stderr.write(chunk));
    child.on('close', (code) => {
      count(pending);
      process.stdout.write(`<== ${stage.name}: ${code === 0 ? 'ok' : `exit ${code}`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      resolve(code);
    });
  });
}

/** Mocha's closing lines: "  12 passing (3s)", "  1 failing", "  2 pending". */
function count(line) {
  const match = /^\s*(\d+) (passing|failing|pending)\b/.exec(line);
  if (!match) return;
  const key = { passing: 'passed', failing: 'failed', pending: 'skipped' }[match[2]];
  totals[key] += Number(match[1]);
}

for (const stage of stages) {
  if (stage.when && !stage.when()) continue;
  const failedBefore = totals.failed;
  const code = await run(stage);
  if (code !== 0) {
    failedStages.push(stage.name);
    // A stage that broke before its tests could report still counts as a failure.
    if (totals.failed === failedBefore) totals.failed += 1;
    // Without a build or clean types nothing later is meaningful.
    if (stage.name === 'build' || stage.name === 'lint') break;
  }
}
if (failedStages.length) process.stdout.write(`\nfailed stages: ${failedStages.join(', ')}\n`);
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exitCode = failedStages.length ? 1 : 0;
