// E2E session: everything one run of the journeys (or of the benchmark) needs, started once — a scratch copy of
// examples/, the packaged .vsix installed into a fresh extensions folder, a real backend and the VS Code server on
// loopback ports, and Chromium showing the workbench — and a step recorder that names the failing step and keeps
// the screenshot of that moment.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareWorkspace } from '../../integration/prepare.mjs';
import { ensureRuntime, installVsix, killAllGroups, launchBrowser, packageVsix, root, startBackend, startWorkbench, vsixPath, workbenchUrl } from './harness.mjs';
import { Workbench, waitUntil } from './workbench.mjs';

export const resultsDir = join(root, 'test-results', 'e2e');

/** Starts everything; `stop()` stops it all (also on Ctrl-C). Set NIMBUS_E2E_SKIP_PACKAGE=1 to reuse the .vsix. */
export async function startSession({ log = console.log } = {}) {
  ensureRuntime();
  if (process.env.NIMBUS_E2E_SKIP_PACKAGE !== '1' || !existsSync(vsixPath)) {
    log('packaging the extension (npm run package)…');
    packageVsix({ quiet: true });
  }
  mkdirSync(resultsDir, { recursive: true });
  const { scratch, workspace } = prepareWorkspace();
  const stops = [];
  const stop = async ({ keep = false } = {}) => {
    for (const step of stops.reverse()) await step().catch(() => {});
    killAllGroups();
    if (!keep) rmSync(scratch, { recursive: true, force: true });
  };
  const interrupted = () => void stop().then(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const extensionsDir = join(scratch, 'extensions');
    installVsix({ extensionsDir, scratch });
    const backend = await startBackend({ dataDir: join(scratch, 'backend') });
    stops.push(() => backend.stop());
    writeFileSync(
      join(workspace, '.vscode', 'settings.json'),
      JSON.stringify(
        {
          'workbench.startupEditor': 'none',
          'security.workspace.trust.enabled': false,
          'git.openRepositoryInParentFolders': 'never',
          'workbench.tips.enabled': false,
          'workbench.welcomePage.walkthroughs.openOnInstall': false,
          'telemetry.telemetryLevel': 'off',
          'nimbus.backend.url': backend.url,
        },
        null,
        2,
      ),
    );
    const workbench = await startWorkbench({ scratch, extensionsDir });
    stops.push(() => workbench.stop());
    const browser = await launchBrowser({ scratch });
    stops.push(() => browser.close());
    const page = browser.page;
    page.setDefaultTimeout(20_000);
    const url = workbenchUrl(workbench.url, workspace);
    await page.goto(url);
    const wb = new Workbench(page);
    await wb.ready();
    // The web workbench opens its own "Setup VS Code Web" walkthrough on a first start; a person closes it.
    await wb.command('View: Close All Editors').catch(() => {});
    return { scratch, workspace, backend, workbench, browser, page, wb, url, stop };
  } catch (error) {
    await stop({ keep: true });
    throw error;
  }
}

/** Connects the extension to the session's backend through "Connect to Backend…", typing the URL and token. */
export async function connectBackend(session) {
  const { wb, backend, page } = session;
  if (await wb.statusItem(`:${backend.port}`).isVisible()) return;
  await wb.openNimbus();
  const deployed = await wb.pane('Deployed Functions');
  await deployed.getByRole('button', { name: 'Connect to Backend…' }).click();
  await wb.answerInput(backend.url, { title: 'Connect to a Nimbus backend' });
  await wb.answerInput(backend.token, { title: 'Token for' });
  await wb.statusItem(`:${backend.port}`).waitFor();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Leaves the workbench as a journey found it: no debug session, no breakpoints, no open editors or toasts. */
export async function resetWorkbench(session) {
  const { wb, page } = session;
  await page.keyboard.press('Escape');
  if (await wb.debugToolbarVisible()) {
    await page.keyboard.press('Shift+F5');
    await waitUntil('the debug session to stop', async () => !(await wb.debugToolbarVisible()), 15_000).catch(() => {});
  }
  await wb.command('Remove All Breakpoints').catch(() => {});
  await wb.command('View: Close All Editors').catch(() => {});
  await wb.dismissNotifications();
}

class StepFailure extends Error {}

/** One journey's run: numbered steps, screenshots of key moments, timings; a failure names its step. */
export class JourneyRun {
  constructor(id, title, session, log = console.log) {
    this.id = id;
    this.title = title;
    this.session = session;
    this.wb = session.wb;
    this.page = session.page;
    this.log = log;
    this.shots = [];
    this.timings = {};
    this.stepNumber = 0;
  }

  async step(title, action) {
    this.stepNumber += 1;
    const label = `${this.id}.${this.stepNumber} ${title}`;
    const started = Date.now();
    try {
      await action();
      this.log(`  ✓ ${label} (${Date.now() - started} ms)`);
    } catch (error) {
      const file = join(resultsDir, `${this.id}-FAILED-step${this.stepNumber}.png`);
      await this.page.screenshot({ path: file }).catch(() => {});
      this.log(`  ✗ ${label} FAILED after ${Date.now() - started} ms\n    ${String(error.message).split('\n').slice(0, 6).join('\n    ')}\n    screenshot: ${file}`);
      throw new StepFailure(`step "${label}" failed: ${error.message.split('\n')[0]}`);
    }
  }

  /** A screenshot of a key moment, test-results/e2e/<journey>-<nn>-<name>.png. */
  async shot(name) {
    const file = join(resultsDir, `${this.id}-${String(this.shots.length + 1).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    this.shots.push(file);
    return file;
  }

  /** Records how long a person waited for something (ms since `since`). */
  time(name, since) {
    this.timings[name] = Date.now() - since;
    return this.timings[name];
  }
}
