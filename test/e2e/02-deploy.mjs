// Journey 2 — right-click deploy: "Nimbus: Deploy Function" on the handler file in the Explorer, the progress notification
// runs to completion, the Deployed Functions tree shows the function with its HTTP trigger URL, and that URL answers
// with the function's response.
import { connectBackend } from './lib/session.mjs';
import { waitUntil } from './lib/workbench.mjs';

export const id = '2-deploy';
export const title = 'Right-click deploy';

export async function run(t) {
  const { wb, page, session } = t;

  await t.step('connect to the backend with "Connect to Backend…" (URL and token typed in)', () => connectBackend(session));

  let clicked;
  await t.step('right-click src/api.ts in the Explorer → "Nimbus: Deploy Function"', async () => {
    await wb.openContainer('Explorer');
    const explorer = page.locator('.explorer-folders-view');
    const src = wb.row(explorer, 'src');
    await src.waitFor();
    if ((await src.getAttribute('aria-expanded')) === 'false') await src.click();
    const file = wb.row(explorer, 'api.ts');
    await file.click({ button: 'right' });
    await page.getByRole('menuitem', { name: /^Nimbus: Deploy Function/ }).first().waitFor();
    await t.shot('explorer-context-menu');
    clicked = Date.now();
    await wb.pickMenuItem(/^Nimbus: Deploy Function/);
  });

  let url;
  await t.step('the progress notification runs to completion and shows the URL', async () => {
    await waitUntil('the deploy progress or its result', async () => (await wb.notification(/Bundling|Uploading|is live|Deployed api/).count()) > 0, 20_000);
    await t.shot('deploy-progress');
    const done = wb.notification(/Deployed api v\d+/);
    await done.waitFor({ timeout: 30_000 });
    t.time('deploy→url', clicked);
    const text = await done.innerText();
    url = /(http:\/\/127\.0\.0\.1:\d+\/fn\/\S+)/.exec(text)?.[1];
    if (!url) throw new Error(`the notification shows no URL: ${text}`);
    await done.getByRole('button', { name: 'Copy URL' }).waitFor();
    await waitUntil('the progress notification to close', async () => (await wb.notification(/Bundling|Uploading|is live/).count()) === 0, 15_000);
    await t.shot('deployed-notification');
  });

  await t.step('the Deployed Functions tree shows api with its HTTP trigger URL', async () => {
    await wb.openNimbus();
    const deployed = await wb.pane('Deployed Functions');
    const row = wb.row(deployed, 'api');
    await row.waitFor();
    await wb.expand(row);
    const trigger = wb.row(deployed, 'GET /hello/{name}');
    await trigger.waitFor();
    const description = await trigger.innerText();
    if (!description.includes(`${session.backend.url}/fn/hello/`)) throw new Error(`the trigger row shows "${description}"`);
    await t.shot('deployed-tree');
  });

  await t.step('fetching the URL returns the function\'s response', async () => {
    const target = url.replace('{name}', 'e2e');
    const response = await fetch(target, { signal: AbortSignal.timeout(10_000) });
    const body = await response.json();
    if (response.status !== 200 || body.greeting !== 'Hello, e2e!') throw new Error(`GET ${target} → ${response.status} ${JSON.stringify(body)}`);
    t.log(`    GET ${target} → ${response.status} ${JSON.stringify(body)}`);
  });
}
