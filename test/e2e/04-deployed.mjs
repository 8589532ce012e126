// Journey 4 — browse deployed functions: expand one (version, triggers, recent invocations with status and duration),
// "Invoke Remotely" shows the result, "Tail Logs" streams a new invocation's log line live, and "Delete" (confirmed)
// removes it from the tree and from the backend.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './lib/harness.mjs';
import { connectBackend } from './lib/session.mjs';
import { waitUntil } from './lib/workbench.mjs';

export const id = '4-deployed';
export const title = 'Browse deployed functions';

async function api(session, path, init = {}) {
  const response = await fetch(`${session.backend.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${session.backend.token}`, ...init.headers },
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
}

/** The Output panel's visible text (the channel picked in its dropdown). */
async function outputText(page) {
  return (await page.locator('.panel .output-view .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

export async function run(t) {
  const { wb, page, session } = t;

  await t.step('setup: api is deployed and has been invoked', async () => {
    const listed = await api(session, '/api/v1/functions');
    if (!listed.body.some((fn) => fn.name === 'api')) {
      // Journey 2 deploys by right-click; run alone, this journey deploys with the CLI as its precondition.
      const deployed = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'deploy', 'api', '--manifest', join(session.workspace, 'nimbus.yaml'), '--backend', session.backend.url, '--token', session.backend.token], { encoding: 'utf8', timeout: 60_000 });
      if (deployed.status !== 0) throw new Error(`nimbus deploy failed: ${deployed.stderr}`);
    }
    const response = await fetch(`${session.backend.url}/fn/hello/browse`, { signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200) throw new Error(`GET /fn/hello/browse → ${response.status}`);
    await connectBackend(session);
  });

  let deployed;
  await t.step('expand api: version, triggers, recent invocations with status and duration', async () => {
    await wb.openNimbus();
    deployed = await wb.pane('Deployed Functions');
    await page.locator('.pane-header', { hasText: 'Deployed Functions' }).hover();
    await deployed.locator('.pane-header .action-label[aria-label^="Refresh"]').click();
    const row = wb.row(deployed, 'api');
    await row.waitFor();
    await wb.expand(row);
    await wb.row(deployed, /^Version \d+$/).waitFor();
    await wb.row(deployed, 'GET /hello/{name}').waitFor();
    await waitUntil('a recent invocation row (ok · N ms · cold|warm)', async () => /(ok|error) · [\d.]+ ms · (cold|warm)/.test(await deployed.innerText()));
    await t.shot('deployed-expanded');
  });

  await t.step('"Invoke Remotely" shows the result', async () => {
    await wb.inlineAction(wb.row(deployed, 'api'), 'Invoke Remotely');
    const toast = wb.notification(/api returned in [\d.]+ ms/);
    await toast.waitFor({ timeout: 30_000 });
    await t.shot('invoke-remotely');
  });

  await t.step('"Tail Logs" streams a new invocation\'s log line live', async () => {
    await wb.inlineAction(wb.row(deployed, 'api'), 'Tail Logs');
    await waitUntil('the tail to open in the Nimbus Functions output', async () => (await outputText(page)).includes('--- tailing api'), 20_000);
    const marker = `tail-${Date.now()}`;
    const response = await fetch(`${session.backend.url}/fn/hello/${marker}`, { signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200) throw new Error(`GET /fn/hello/${marker} → ${response.status}`);
    await waitUntil(`"Hello, ${marker}!" in the output`, async () => (await outputText(page)).includes(`Hello, ${marker}!`), 20_000);
    await t.shot('tail-logs');
  });

  await t.step('"Delete" (confirmed) removes api from the tree and the backend', async () => {
    await wb.contextMenu(wb.row(deployed, 'api'), 'Delete Deployed Function');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor();
    await t.shot('delete-confirmation');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await waitUntil('api to leave the tree', async () => (await wb.row(deployed, 'api').count()) === 0, 20_000);
    const listed = await api(session, '/api/v1/functions');
    if (listed.body.some((fn) => fn.name === 'api')) throw new Error('the backend still lists api');
    const gone = await api(session, '/api/v1/functions/api');
    if (gone.status !== 404) throw new Error(`GET /api/v1/functions/api → ${gone.status}, expected 404`);
  });
}
