// Test driver: opens the VS Code web workbench in Debian's Chromium with the extension under development and the
// test module in its "payload" (as VS Code's own browser tests do), relays the test output and exits with its result.
// A test line "@@SCREENSHOT /abs/file.png" makes the driver write a PNG of the workbench at that moment.
// Usage: node run-vscode-tests.cjs <baseUrl> <extensionDevelopmentPath> <extensionTestsPath> <workspaceFolder>
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const path = require('node:path');
const util = require('node:util');

const [, , base, extensionPath, testsPath, folder] = process.argv;
const timeoutMs = Number(process.env.TEST_TIMEOUT_MS || 600000);

async function main() {
  const html = await (await fetch(base + '/?ew=true')).text();
  const settings = html.match(/id="vscode-workbench-web-configuration" data-settings="([^"]*)"/);
  if (!settings) throw new Error('the workbench page has no configuration tag');
  const config = JSON.parse(settings[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  const remote = (file) => `vscode-remote://${config.remoteAuthority}${file}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(extensionPath)],
    ['extensionTestsPath', remote(testsPath)],
    ['skipWelcome', 'true'],
  ]);
  const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'chrome-')), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 850 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    let finish;
    const exited = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationLog', async (_type, args) => {
      const line = util.format(...args);
      console.log(line);
      const shot = /^@@SCREENSHOT (\S+)/.exec(line);
      if (shot) {
        fs.mkdirSync(path.dirname(shot[1]), { recursive: true });
        // Written under a temporary name and renamed, so a test polling for the file never sees half a PNG.
        await page.screenshot({ path: shot[1] + '.tmp.png' });
        fs.renameSync(shot[1] + '.tmp.png', shot[1]);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(code));
    if (process.env.BROWSER_CONSOLE) page.on('console', (message) => console.log('[browser]', message.text()));
    await page.goto(`${base}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(payload)}`);
    let timer;
    const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    if (code === 'timeout') {
      console.error(`the tests did not finish within ${timeoutMs / 1000} s`);
      if (process.env.TIMEOUT_SHOT) await page.screenshot({ path: process.env.TIMEOUT_SHOT });
    }
    console.log(`extension host exited with ${code}`);
    return code === 0 ? 0 : 1;
  } finally {
    await context.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
