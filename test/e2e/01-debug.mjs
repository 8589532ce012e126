// Journey 1 — step through a function driven by a simulated event: a gutter breakpoint in a TS handler, "Debug" from
// the Nimbus sidebar (and F5 with no launch.json), the stopped line, the event in Variables, a watch, Step Over,
// Continue, and the function's log, result and REPORT line in the Debug Console.
import { waitUntil } from './lib/workbench.mjs';

export const id = '1-debug';
export const title = 'Step through a function driven by a simulated event';

/** Line 33 of examples/src/api.ts: `const name = event.pathParameters?.name ?? 'world';` */
const breakpointLine = 33;

export async function run(t) {
  const { wb, page } = t;

  await t.step('open src/api.ts from Quick Open', () => wb.openFile('src/api.ts'));

  await t.step(`click the gutter at line ${breakpointLine} to set a breakpoint`, async () => {
    await wb.clickGutter(breakpointLine);
    await waitUntil('a breakpoint glyph in the gutter', async () => (await wb.breakpointGlyphs().count()) === 1);
    await t.shot('breakpoint-set');
  });

  let clicked;
  await t.step('click "Debug" on api in the Nimbus sidebar', async () => {
    await wb.openNimbus();
    const local = await wb.pane('Local Functions');
    const row = wb.row(local, 'api');
    await row.hover();
    clicked = Date.now();
    await wb.inlineAction(row, 'Debug Function');
  });

  await t.step(`the editor shows the stopped line ${breakpointLine}`, async () => {
    await wb.waitForStoppedAt(breakpointLine);
    t.time('debug→stopped', clicked);
    await t.shot('stopped-at-breakpoint');
  });

  await t.step('the Variables view shows the event\'s fields', async () => {
    await wb.openContainer('Run and Debug');
    const variables = await wb.pane('Variables');
    const event = wb.rowByText(variables, /^\s*event\s*=/);
    await event.waitFor();
    await wb.expand(event);
    await waitUntil('rawPath and routeKey under event', async () => {
      const text = await variables.innerText();
      return text.includes('rawPath') && text.includes('routeKey') ? text : false;
    });
  });

  await t.step('a watch expression evaluates', async () => {
    const watch = await wb.pane('Watch');
    await watch.locator('.pane-header').hover();
    await watch.locator('.pane-header .action-label[aria-label="Add Expression"]').click();
    await page.keyboard.type('event.rawPath');
    await page.keyboard.press('Enter');
    await waitUntil('the watch to show the request path', async () => /event\.rawPath\s*[:=]?\s*"\/hello\//.test(await watch.innerText()));
    await t.shot('variables-and-watch');
  });

  await t.step('Step Over (F10) moves one line', async () => {
    await page.keyboard.press('F10');
    await wb.waitForStoppedAt(breakpointLine + 1);
  });

  await t.step('Continue (F5) lets the function finish', async () => {
    await page.keyboard.press('F5');
    await waitUntil('the stack frame to leave the editor', async () => (await page.locator('.editor-group-container.active .codicon-debug-stackframe').count()) === 0);
  });

  await t.step('the Debug Console shows the log, the result and the REPORT line', async () => {
    if (!(await page.locator('.repl').isVisible())) await page.keyboard.press('Control+Shift+Y');
    const text = await waitUntil('log, result and REPORT in the Debug Console', async () => {
      const current = await wb.debugConsoleText();
      return /Hello, /.test(current) && /greeting/.test(current) && /REPORT RequestId: \S+ Duration: [\d.]+ ms/.test(current) ? current : false;
    });
    t.log(`    Debug Console: ${text.split('\n').filter((line) => /Hello|REPORT/.test(line)).join(' | ').slice(0, 240)}`);
    await t.shot('debug-console');
  });

  await t.step('stop the session', async () => {
    if (await wb.debugToolbarVisible()) await page.keyboard.press('Shift+F5');
    await waitUntil('the debug toolbar to go away', async () => !(await wb.debugToolbarVisible()));
  });

  await t.step('press F5 in the handler with no launch.json', async () => {
    await wb.editorLine(breakpointLine + 2).click();
    const pressed = Date.now();
    await page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
    // Nimbus binds F5 in a handler file when no launch configuration is selected: no "Select debugger" picker.
    await page.keyboard.press('F5');
    await wb.waitForStoppedAt(breakpointLine);
    t.time('F5→stopped', pressed);
    await t.shot('f5-stopped');
  });

  await t.step('Continue finishes the F5 session too', async () => {
    await page.keyboard.press('F5');
    await waitUntil('a second REPORT line', async () => ((await wb.debugConsoleText()).match(/REPORT RequestId/g) ?? []).length >= 1);
    if (await wb.debugToolbarVisible()) await page.keyboard.press('Shift+F5');
    await waitUntil('the debug toolbar to go away', async () => !(await wb.debugToolbarVisible()));
  });
}
