// E2E helpers: what a person does in the VS Code workbench, as Playwright calls on its DOM — open a view, find a tree
// row by its label, hover for inline actions, right-click for menus, click the gutter, type into quick inputs.
// Selectors lean on roles and aria labels (what screen readers see), which VS Code keeps stable across releases.

/** Escapes a string for use inside a RegExp. */
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Workbench {
  constructor(page) {
    this.page = page;
    this.keyboard = page.keyboard;
  }

  /** Waits until the workbench is up and the Nimbus extension has activated (its status bar item shows). */
  async ready(timeoutMs = 90_000) {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: timeoutMs });
    await this.statusItem(/Nimbus:/).waitFor({ timeout: timeoutMs });
  }

  statusItem(text) {
    return this.page.locator('.statusbar-item', { hasText: text }).first();
  }

  /** The activity bar's Nimbus container; clicked only when not already showing (a second click would hide it). */
  async openNimbus() {
    await this.openContainer('Nimbus');
  }

  async openContainer(name) {
    const tab = this.page.locator(`.activitybar .action-item:has(> a.action-label[aria-label^="${name}"])`).first();
    if (!/\bchecked\b/.test((await tab.getAttribute('class')) ?? '')) await tab.click();
    await this.page.locator(`.sidebar .composite.title`, { hasText: new RegExp(name, 'i') }).first().waitFor();
  }

  /** A view pane (Local Functions, Variables, Watch…), expanded. */
  async pane(title) {
    const pane = this.page.locator('.pane', { has: this.page.locator('.pane-header', { hasText: new RegExp(`^\\s*${escape(title)}`, 'i') }) }).first();
    const header = pane.locator('.pane-header').first();
    await header.waitFor();
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    return pane;
  }

  /** A tree row whose label is exactly `label` (descriptions are ignored). */
  row(scope, label) {
    const name = typeof label === 'string' ? new RegExp(`^\\s*${escape(label)}\\s*$`) : label;
    return scope.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: name }) }).first();
  }

  /** A tree row by its whole text (Variables and Watch rows read `name = value`, without a label element). */
  rowByText(scope, pattern) {
    return scope.locator('.monaco-list-row', { hasText: pattern }).first();
  }

  async expand(row) {
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    // Through the locator, not an element handle: a refreshing tree replaces its row elements.
    await waitUntil('the row to expand', async () => (await row.getAttribute('aria-expanded', { timeout: 1000 })) === 'true');
  }

  /** Hovers a row and clicks its inline action (a command's title, e.g. "Debug Function"). */
  async inlineAction(row, title) {
    await row.hover();
    const action = row.locator(`.actions .action-label[aria-label^="${title}"]`).first();
    await action.click();
  }

  /** Right-clicks `target` and picks the menu item whose label matches. */
  async contextMenu(target, item) {
    await target.click({ button: 'right' });
    await this.pickMenuItem(item);
  }

  /** Clicks an item of the open context menu. Monaco menus ignore a click that lands while they are still opening,
   * so the item is hovered first and, if the menu is still open afterwards, chosen with Enter. */
  async pickMenuItem(item, { beforeClick } = {}) {
    const entry = this.page.getByRole('menuitem', { name: typeof item === 'string' ? new RegExp(escape(item)) : item }).first();
    await entry.waitFor();
    await entry.hover();
    await this.page.waitForTimeout(150);
    beforeClick?.();
    // One click only: a menu that closes slowly is still visible for a moment, and a second activation (Enter)
    // would run the command twice.
    await entry.click();
    await entry.waitFor({ state: 'hidden', timeout: 5000 });
  }

  /** Runs a command from the palette by its title, the way a person would (F1, type, Enter). */
  async command(title) {
    await this.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor();
    await input.fill(`>${title}`);
    const pick = this.page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    try {
      await pick.waitFor({ timeout: 10_000 });
    } catch (error) {
      // Leave no half-typed palette behind for the next step's keys.
      await this.keyboard.press('Escape');
      throw error;
    }
    // Click the row that matches: Enter would run whichever row the palette happens to highlight first.
    await pick.click();
  }

  /** Answers a quick input: optionally replaces its value, then Enter. */
  async answerInput(value, { title } = {}) {
    const widget = this.page.locator('.quick-input-widget');
    if (title) await widget.locator('.quick-input-title', { hasText: title }).waitFor();
    const input = widget.locator('input.input');
    await input.waitFor();
    if (value !== undefined) await input.fill(value);
    await this.keyboard.press('Enter');
  }

  /** A notification toast whose message matches. */
  notification(text) {
    return this.page.locator('.notification-toast', { hasText: text }).first();
  }

  /** The toasts showing now (the pop-ups at the bottom right, not the entries of the notification center). */
  toasts() {
    return this.page.locator('.notifications-toasts.visible .notification-toast');
  }

  /**
   * Waits until no toast shows. "Clear All Notifications" leaves a running progress notification alone, and VS Code
   * keeps a finished one on screen for at least 800 ms, so a toast can outlive dismissNotifications() briefly.
   */
  async waitForNoToasts(timeoutMs = 10_000) {
    await waitUntil('the notification toasts to close', async () => (await this.toasts().count()) === 0, timeoutMs);
  }

  async dismissNotifications() {
    await this.command('Notifications: Clear All Notifications').catch(() => {});
  }

  /** Opens a workspace file through Quick Open (Ctrl+P), as a person types a file name. */
  async openFile(relativePath) {
    await this.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor();
    await input.fill(relativePath);
    await this.page.locator('.quick-input-widget .monaco-list-row', { hasText: relativePath.split('/').pop() }).first().waitFor();
    await this.keyboard.press('Enter');
    const name = relativePath.split('/').pop();
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
    await this.page.locator('.editor-group-container.active .monaco-editor .margin-view-overlays .line-numbers').first().waitFor();
  }

  /** The active editor's line-number cell of `line` (must be visible). */
  editorLine(line) {
    return this.page.locator('.editor-group-container.active .monaco-editor .margin-view-overlays .line-numbers', { hasText: new RegExp(`^${line}$`) }).first();
  }

  /** Clicks the glyph margin (left of the line numbers) of a line: toggles a breakpoint there. */
  async clickGutter(line) {
    const cell = this.editorLine(line);
    await cell.waitFor();
    const box = await cell.boundingBox();
    const margin = await this.page.locator('.editor-group-container.active .monaco-editor .margin').first().boundingBox();
    await this.page.mouse.move(margin.x + 8, box.y + box.height / 2);
    await this.page.mouse.click(margin.x + 8, box.y + box.height / 2);
  }

  /** Number of breakpoint glyphs in the active editor's margin. */
  breakpointGlyphs() {
    return this.page.locator('.editor-group-container.active .monaco-editor .codicon-debug-breakpoint');
  }

  /** Waits until the active editor shows the debugger stopped at `line` (top stack frame decoration + cursor). */
  async waitForStoppedAt(line, timeoutMs = 30_000) {
    await this.page.locator('.editor-group-container.active .monaco-editor .codicon-debug-stackframe').first().waitFor({ timeout: timeoutMs });
    await this.statusItem(new RegExp(`Ln ${line}, Col`)).waitFor({ timeout: timeoutMs });
  }

  /** The Debug Console's text. */
  async debugConsoleText() {
    return (await this.page.locator('.repl .monaco-list-rows').first().innerText()).replace(/\u00a0/g, ' ');
  }

  async debugToolbarVisible() {
    return this.page.locator('.debug-toolbar').isVisible();
  }

  /**
   * The Test Events panel's document: VS Code nests it in two iframes (its host frame and the panel's own), so it is
   * found among the page's frames by the panel's landmark.
   */
  async webview(timeoutMs = 20_000) {
    return waitUntil('the Test Events panel', async () => {
      for (const frame of this.page.frames()) {
        if (frame.isDetached() || !frame.url().includes('webview')) continue;
        if (!(await frame.locator('main#app[aria-label="Nimbus Test Events"] #function').count().catch(() => 0))) continue;
        // VS Code may replace the panel's frame once more while it loads; a frame that stays is the one to use.
        await new Promise((resolve) => setTimeout(resolve, 300));
        if (!frame.isDetached()) return frame;
      }
      return undefined;
    }, timeoutMs);
  }

  async screenshot(path) {
    await this.page.screenshot({ path });
  }
}

/** Polls `probe` until it returns a truthy value; fails naming `what` after the bound. */
export async function waitUntil(what, probe, timeoutMs = 20_000, intervalMs = 150) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs / 1000} s${last ? ` (${last.message.split('\n')[0]})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
