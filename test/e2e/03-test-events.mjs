// Journey 3 — send test events from the panel: open it from the function's context menu, start from the storage
// template, edit a field, Send (response, logs, duration, cold-start marker), Save as "big-upload" (a file under
// .nimbus/events/), reload the window (the panel comes back with its state), and Debug from the panel stops at the
// breakpoint.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from './lib/workbench.mjs';

export const id = '3-test-events';
export const title = 'Send test events from the panel';

/** Line 12 of examples/src/thumbnail.ts: `const size = Number(process.env.SIZE ?? '128');` */
const breakpointLine = 12;

/** Selects `text` inside the panel's event editor, as a person double-clicks or drags over it. */
async function selectInEditor(editor, text) {
  // A click first, so the keyboard focus moves into the webview's nested frames.
  await editor.click();
  await editor.evaluate((element, wanted) => {
    const start = element.value.indexOf(wanted);
    if (start < 0) throw new Error(`the event has no ${wanted}`);
    element.focus();
    element.setSelectionRange(start, start + wanted.length);
  }, text);
}

export async function run(t) {
  const { wb, page, session } = t;
  let panel;

  await t.step('open the Test Events panel from thumbnail\'s context menu', async () => {
    await wb.openNimbus();
    const local = await wb.pane('Local Functions');
    await wb.contextMenu(wb.row(local, 'thumbnail'), 'Open Test Events');
    panel = await wb.webview();
    await waitUntil('thumbnail to be the selected function', async () => (await panel.locator('#function option:checked').innerText()) === 'thumbnail');
  });

  await t.step('pick the storage template', async () => {
    panel = await wb.webview();
    await panel.locator('#trigger').selectOption('storage');
    await panel.locator('#use-template').click();
    await waitUntil('the S3 template in the editor', async () => (await panel.locator('#event').inputValue()).includes('"key": "img/sample.png"'));
  });

  await t.step('edit the object key and size', async () => {
    const editor = panel.locator('#event');
    await selectInEditor(editor, 'img/sample.png');
    await page.keyboard.type('img/big-upload.png');
    await selectInEditor(editor, '"size": 1024');
    await page.keyboard.type('"size": 52428800');
    const value = await editor.inputValue();
    if (!value.includes('img/big-upload.png') || !value.includes('52428800')) throw new Error('the edits did not land in the editor');
    await t.shot('edited-event');
  });

  let clicked;
  await t.step('Send: the response, logs, duration and cold-start marker appear', async () => {
    clicked = Date.now();
    await panel.locator('#send').click();
    await panel.locator('#result-status').waitFor({ timeout: 30_000 });
    t.time('send→response', clicked);
    const body = await panel.locator('#result-body').innerText();
    if (!body.includes('thumbs/128/big-upload.png') || !body.includes('52428800')) throw new Error(`unexpected response: ${body.slice(0, 300)}`);
    const logs = await panel.locator('#result-logs').innerText();
    if (!/uploads\/img\/big-upload\.png/.test(logs) || !/REPORT RequestId/.test(logs)) throw new Error(`unexpected logs: ${logs.slice(0, 300)}`);
    await panel.locator('#metric-duration').waitFor();
    await panel.locator('#cold-start').waitFor();
    await t.shot('sent-response');
  });

  const saved = join(session.workspace, '.nimbus', 'events', 'thumbnail', 'big-upload.json');
  await t.step('Save As "big-upload": the file appears under .nimbus/events/', async () => {
    await panel.locator('#save-as').click();
    const name = panel.locator('#event-name');
    await name.fill('big-upload');
    await name.press('Enter');
    await waitUntil(`${saved} to exist`, () => existsSync(saved));
    const content = JSON.parse(readFileSync(saved, 'utf8'));
    if (content.Records?.[0]?.s3?.object?.size !== 52428800) throw new Error('the saved event lacks the edited size');
    await waitUntil('big-upload in the Saved list', async () => (await panel.locator('#saved').innerText()).includes('big-upload'));
  });

  await t.step('reload the window: the panel comes back with its state', async () => {
    await wb.command('Developer: Reload Window');
    await page.waitForLoadState('domcontentloaded');
    await wb.ready();
    panel = await wb.webview(60_000);
    await waitUntil('the edited event and the last result after reload', async () => {
      const value = await panel.locator('#event').inputValue();
      return value.includes('img/big-upload.png') && (await panel.locator('#result-body').innerText()).includes('thumbs/128/big-upload.png');
    }, 30_000);
    await t.shot('panel-after-reload');
  });

  await t.step(`set a breakpoint at thumbnail.ts:${breakpointLine}`, async () => {
    await wb.openFile('src/thumbnail.ts');
    await wb.clickGutter(breakpointLine);
    await waitUntil('a breakpoint glyph', async () => (await wb.breakpointGlyphs().count()) === 1);
  });

  await t.step('Debug from the panel stops at the breakpoint', async () => {
    await page.locator('.tabs-container .tab', { hasText: 'Nimbus Test Events' }).click();
    panel = await wb.webview();
    await panel.locator('#debug').click();
    await wb.waitForStoppedAt(breakpointLine, 45_000);
    await t.shot('panel-debug-stopped');
  });

  await t.step('Continue: the function finishes with the edited event', async () => {
    await page.keyboard.press('F5');
    if (!(await page.locator('.repl').isVisible())) await page.keyboard.press('Control+Shift+Y');
    await waitUntil('big-upload and the REPORT line in the Debug Console', async () => {
      const text = await wb.debugConsoleText();
      return text.includes('thumbs/128/big-upload.png') && /REPORT RequestId/.test(text);
    }, 30_000);
    await page.locator('.tabs-container .tab', { hasText: 'Nimbus Test Events' }).click();
    panel = await wb.webview();
    // The result arrived while the panel was hidden behind the editor; the panel shows it when it is shown again.
    await waitUntil('the debug result in the panel', async () => (await panel.locator('#result h2').innerText()).includes('thumbnail · debug'), 10_000);
    // Continue races the editor's requests for the paused frame; none of that may reach the user as an error.
    if ((await wb.notification(/stack frame is gone/).count()) > 0) throw new Error('an error about a stale stack frame popped up after Continue');
    await t.shot('panel-after-debug');
  });
}
