// E2E runner: the user journeys of issue 6 in a real VS Code (web workbench of the pinned runtime) with the packaged
// .vsix installed, driven by Debian's Chromium through playwright-core, against a real backend on 127.0.0.1.
// Usage: node test/e2e/run.mjs [journey-id-or-number...]   e.g. `node test/e2e/run.mjs 1 3`
// NIMBUS_E2E_SKIP_PACKAGE=1 reuses nimbus-faas.vsix; NIMBUS_E2E_KEEP=1 keeps the scratch folder.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir, JourneyRun, resetWorkbench, startSession } from './lib/session.mjs';
import * as debugJourney from './01-debug.mjs';
import * as deployJourney from './02-deploy.mjs';
import * as testEventsJourney from './03-test-events.mjs';
import * as deployedJourney from './04-deployed.mjs';

const journeys = [debugJourney, deployJourney, testEventsJourney, deployedJourney];
const journeyTimeoutMs = Number(process.env.NIMBUS_E2E_JOURNEY_TIMEOUT_MS || 240_000);

const wanted = process.argv.slice(2);
const selected = wanted.length ? journeys.filter((journey) => wanted.some((want) => journey.id === want || journey.id.startsWith(`${want}-`))) : journeys;
if (selected.length === 0) {
  console.error(`no journey matches ${wanted.join(' ')}; known: ${journeys.map((journey) => journey.id).join(', ')}`);
  process.exit(2);
}

const started = Date.now();
const session = await startSession();
console.log(`workbench ${session.url}\nbackend ${session.backend.url}\nscreenshots ${resultsDir}`);
const outcomes = [];
try {
  for (const journey of selected) {
    console.log(`\nJourney ${journey.id}: ${journey.title}`);
    // Screenshots of an earlier run of this journey would mislead (a stale FAILED picture most of all).
    for (const file of readdirSync(resultsDir)) if (file.startsWith(`${journey.id}-`)) rmSync(join(resultsDir, file));
    const t = new JourneyRun(journey.id, journey.title, session);
    const begun = Date.now();
    let timer;
    try {
      await Promise.race([
        journey.run(t),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`journey ${journey.id} did not finish within ${journeyTimeoutMs / 1000} s`)), journeyTimeoutMs))),
      ]);
      outcomes.push({ id: journey.id, ok: true, ms: Date.now() - begun, timings: t.timings });
    } catch (error) {
      outcomes.push({ id: journey.id, ok: false, ms: Date.now() - begun, error: error.message, timings: t.timings });
    } finally {
      clearTimeout(timer);
    }
    await resetWorkbench(session).catch((error) => console.log(`  (reset after ${journey.id} failed: ${error.message})`));
  }
} finally {
  const failed = outcomes.some((outcome) => !outcome.ok);
  await session.stop({ keep: failed || process.env.NIMBUS_E2E_KEEP === '1' });
  if (failed) console.log(`kept ${session.scratch} for diagnosis`);
}

console.log('\nSummary');
for (const outcome of outcomes) {
  const timings = Object.entries(outcome.timings).map(([name, ms]) => `${name} ${ms} ms`).join(', ');
  console.log(`  ${outcome.ok ? 'PASS' : 'FAIL'} ${outcome.id} (${(outcome.ms / 1000).toFixed(1)} s)${timings ? ` — ${timings}` : ''}${outcome.ok ? '' : `\n       ${outcome.error}`}`);
}
const passedCount = outcomes.filter((outcome) => outcome.ok).length;
// Mocha's closing lines, so `npm test` totals the journeys with every other suite.
console.log(`\n  ${passedCount} passing (${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (passedCount < outcomes.length) console.log(`  ${outcomes.length - passedCount} failing`);
process.exit(outcomes.every((outcome) => outcome.ok) ? 0 : 1);
