// Integration test runner for machines without desktop VS Code: installs the pinned runtime (code-server = VS Code
// 1.100.3) if missing, bundles the suite, starts VS Code's server on a loopback port with a copy of examples/ as the
// workspace, runs the suite in its real extension host through Chromium, and stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { bundleSuite, freePort, here, prepareWorkspace, root, waitForHttp } from './prepare.mjs';

const runtime = process.env.NIMBUS_VSCODE_RUNTIME || join(root, '.vscode-test', 'runtime');
const screenshots = join(root, 'test-results', 'screenshots');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

if (!existsSync(join(runtime, '.installed'))) run('bash', [join(here, 'install-runtime.sh'), runtime]);
if (!existsSync(join(root, 'dist', 'extension.js')) || process.env.NIMBUS_SKIP_BUILD !== '1') run('npm', ['run', 'build', '--silent']);

const testsIndex = await bundleSuite();
const { scratch, workspace } = prepareWorkspace();
mkdirSync(screenshots, { recursive: true });

const port = await freePort();
const serverMain = join(runtime, 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
// detached: its own process group, so the extension host, language server and file watchers stop with it.
const server = spawn(
  process.execPath,
  [serverMain, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token', '--accept-server-license-terms',
    '--enable-smoke-test-driver', '--disable-workspace-trust', '--server-data-dir', join(scratch, 'server-data'),
    '--user-data-dir', join(scratch, 'user-data'), '--extensions-dir', join(scratch, 'extensions')],
  {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, TMPDIR: scratch, NIMBUS_TEST_ROOT: root, NIMBUS_TEST_SCREENSHOTS: screenshots, NIMBUS_TEST_SCRATCH: scratch },
  },
);
const stopServer = () => {
  try {
    process.kill(-server.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
};
process.on('SIGINT', () => {
  stopServer();
  process.exit(130);
});

let code = 1;
try {
  await waitForHttp(`http://127.0.0.1:${port}/`, 60_000);
  const driver = spawn(process.execPath, [join(here, 'run-vscode-tests.cjs'), `http://127.0.0.1:${port}`, root, testsIndex, workspace], {
    stdio: 'inherit',
    env: { ...process.env, NODE_PATH: join(runtime, 'node_modules'), TMPDIR: scratch },
  });
  code = await new Promise((resolveCode) => driver.once('exit', (exitCode) => resolveCode(exitCode ?? 1)));
} catch (error) {
  console.error(error);
} finally {
  stopServer();
  if (code === 0) rmSync(scratch, { recursive: true, force: true });
  else console.error(`kept ${scratch} for diagnosis`);
}
process.exit(code);
