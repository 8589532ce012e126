// `npm start`: the whole product on this machine with one command — builds and packages the extension, starts the
// companion backend, and opens examples/ in VS Code with the .vsix installed and pointed at that backend (desktop
// `code` when it is on the PATH, else the pinned VS Code web workbench, whose URL it prints). Ctrl-C stops all of it.
//
// Environment: NIMBUS_BACKEND_PORT (default 7700, a free port when taken), NIMBUS_WEB_PORT (default 8080, likewise),
// NIMBUS_START_WEB=1 (use the web workbench even when `code` exists), NIMBUS_TOKEN (the backend's token instead of
// the generated one).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import {
  ensureRuntime,
  freePort,
  installVsix,
  killAllGroups,
  packageVsix,
  root,
  startBackend,
  startWorkbench,
  workbenchUrl,
} from '../test/e2e/lib/harness.mjs';

const examples = join(root, 'examples');
const stateDir = join(root, '.vscode-test', 'start');
const say = (line) => process.stdout.write(`${line}\n`);

/** `preferred` when nothing listens there on 127.0.0.1, else a free port. */
function portOr(preferred) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(freePort()));
    probe.listen(preferred, '127.0.0.1', () => probe.close(() => resolve(preferred)));
  });
}

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

const stops = [];
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  say('\nStopping everything npm start started…');
  for (const stop of stops.reverse()) await stop().catch((error) => say(`  ${error.message}`));
  killAllGroups();
  say('Stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
process.on('exit', killAllGroups);

/** Desktop VS Code in its own profile (so the user's own settings and extensions stay as they are). */
async function openDesktop(backend) {
  const userData = join(stateDir, 'desktop-user-data');
  const extensions = join(stateDir, 'desktop-extensions');
  const settings = join(userData, 'User', 'settings.json');
  mkdirSync(dirname(settings), { recursive: true });
  writeFileSync(settings, JSON.stringify({ 'nimbus.backend.url': backend.url }, null, 2));
  const profile = ['--user-data-dir', userData, '--extensions-dir', extensions];
  const install = spawnSync('code', [...profile, '--install-extension', join(root, 'nimbus-faas.vsix'), '--force'], { stdio: 'inherit' });
  if (install.status !== 0) throw new Error('code --install-extension failed');
  // --wait keeps the launcher alive while the window is open; it starts VS Code's main process in a group of its own,
  // which is found through the launcher's children and stopped with it.
  const launcher = spawn('code', [...profile, '--new-window', '--wait', examples], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, NIMBUS_BACKEND: backend.url, NIMBUS_TOKEN: backend.token },
  });
  const groups = new Set([launcher.pid]);
  const watch = setInterval(() => {
    const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(launcher.pid)], { encoding: 'utf8' }).stdout.split('\n').map(Number).filter(Boolean);
    for (const pid of children) groups.add(pid);
  }, 500);
  launcher.once('exit', () => {
    clearInterval(watch);
    say('VS Code was closed.');
    void stopAll(0);
  });
  stops.push(async () => {
    clearInterval(watch);
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // Gone already.
      }
    }
  });
  say(`Opened ${examples} in VS Code (profile in ${stateDir}).`);
}

/** The pinned VS Code web workbench (code-server's VS Code 1.100.3) with the .vsix installed. */
async function openWeb(backend) {
  ensureRuntime();
  const extensionsDir = join(stateDir, 'extensions');
  installVsix({ extensionsDir, scratch: stateDir });
  const workbench = await startWorkbench({
    scratch: stateDir,
    extensionsDir,
    port: await portOr(Number(process.env.NIMBUS_WEB_PORT || 8080)),
    env: { NIMBUS_BACKEND: backend.url, NIMBUS_TOKEN: backend.token },
    // examples/ sits inside the Nimbus repository: VS Code would ask whether to open that repository.
    machineSettings: { 'nimbus.backend.url': backend.url, 'git.openRepositoryInParentFolders': 'never' },
  });
  stops.push(() => workbench.stop());
  void workbench.process.exited.then(() => {
    if (!stopping) {
      say(`The VS Code server stopped unexpectedly:\n${workbench.process.output.slice(-2000)}`);
      void stopAll(1);
    }
  });
  return workbenchUrl(workbench.url, examples);
}

async function main() {
  say('Building and packaging the extension (npm run package)…');
  packageVsix({ quiet: true });

  const backend = await startBackend({
    dataDir: join(examples, '.nimbus', 'backend'),
    port: await portOr(Number(process.env.NIMBUS_BACKEND_PORT || 7700)),
    token: process.env.NIMBUS_TOKEN || undefined,
  });
  stops.push(() => backend.stop());
  void backend.process.exited.then(() => {
    if (!stopping) {
      say(`The backend stopped unexpectedly:\n${backend.process.output.slice(-2000)}`);
      void stopAll(1);
    }
  });
  say(`Companion backend: ${backend.url}  (data in examples/.nimbus/backend, pid ${backend.process.pid})`);

  const useDesktop = process.env.NIMBUS_START_WEB !== '1' && onPath('code');
  let url;
  if (useDesktop) await openDesktop(backend);
  else url = await openWeb(backend);

  say('');
  if (url) say(`Open the examples workspace in your browser:\n\n  ${url}\n`);
  say(`Backend token (for "Nimbus: Connect to Backend…" if the Deployed Functions view asks): ${backend.token}`);
  say('CLI against this backend: NIMBUS_BACKEND=' + backend.url + ' NIMBUS_TOKEN=' + backend.token + ' node dist/cli.js functions');
  say('\nPress Ctrl-C to stop the backend and VS Code.');
}

main().catch((error) => {
  say(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  void stopAll(1);
});
