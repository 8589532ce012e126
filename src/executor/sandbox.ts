// Executor layer: how an instance is isolated — the command line, flags and environment of its child process for
// each SandboxLevel (scrubbed env; Node's permission model; bubblewrap namespaces on Linux).

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunnableFunction, SandboxLevel } from './api';

export interface SandboxRequest {
  level: SandboxLevel;
  fn: RunnableFunction;
  harnessFile: string;
  bundleFile: string;
  functionRoot: string;
  /** The instance's private writable tmp dir (TMPDIR). */
  tmpDir: string;
  /** Absolute path of a working `bwrap`, when there is one. */
  bubblewrap?: string;
  node: NodeRuntime;
  /** Debug instances keep their inspector: no permission model, and loopback reachable from the parent. */
  debug: boolean;
}

/** The Node.js binary that runs instances, and what it needs in its environment. */
export interface NodeRuntime {
  path: string;
  env: Record<string, string>;
}

/**
 * Inside Electron (desktop VS Code's extension host) process.execPath is the editor itself: prefer `node` from PATH
 * (the permission model and flags are Node's), else run Electron as Node.
 */
export function findNodeRuntime(configured?: string): NodeRuntime {
  if (configured) return { path: configured, env: {} };
  if (!process.versions.electron) return { path: process.execPath, env: {} };
  const onPath = findOnPath('node');
  return onPath ? { path: onPath, env: {} } : { path: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' } };
}

function findOnPath(name: string): string | undefined {
  return (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .map((folder) => join(folder, name))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

export interface SpawnPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * The variables a function sees: its manifest env plus the documented NIMBUS_* and Lambda-compatible ones. PWD is
 * its working folder (bubblewrap sets it anyway, so every level sets it alike).
 */
export function functionEnvironment(fn: RunnableFunction, tmpDir: string, functionRoot: string): Record<string, string> {
  return {
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    PATH: '/usr/bin:/bin',
    ...fn.env,
    PWD: functionRoot,
    TMPDIR: tmpDir,
    NIMBUS_FUNCTION_NAME: fn.name,
    NIMBUS_FUNCTION_MEMORY: String(fn.memory),
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memory),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_REGION: 'local',
  };
}

export function planSpawn(request: SandboxRequest): SpawnPlan {
  const { fn, level, debug } = request;
  const nodeArgs = [`--max-old-space-size=${fn.memory}`, '--enable-source-maps', '--disable-warning=ExperimentalWarning'];
  if (level !== 'none' && !debug) {
    // Unique paths (Node 20 aborts on a duplicate, e.g. a prebuilt bundle's folder that is also the function's root),
    // one flag each (Node 20.20 no longer accepts a comma-separated list).
    const readable = new Set([request.harnessFile, dirname(request.bundleFile), request.functionRoot, request.tmpDir]);
    nodeArgs.push('--experimental-permission', ...[...readable].map((path) => `--allow-fs-read=${path}`), `--allow-fs-write=${request.tmpDir}`);
  }
  nodeArgs.push(request.harnessFile);
  const env = { ...functionEnvironment(fn, request.tmpDir, request.functionRoot), ...request.node.env };
  if (level !== 'strict' || !request.bubblewrap) {
    return { command: request.node.path, args: nodeArgs, env, cwd: request.functionRoot };
  }
  const namespaces = ['--die-with-parent', '--new-session', '--unshare-pid', '--unshare-ipc', '--unshare-uts'];
  // A debug instance shares the parent's network namespace so the parent reaches its loopback inspector.
  if (!fn.network && !debug) namespaces.push('--unshare-net');
  // Only what Node and the function need is visible (read-only): the system's binaries and libraries, TLS and name
  // resolution files, Node itself, the harness, the bundle and the function's own folder. Home folders, /root,
  // /etc/shadow and other projects do not exist inside — this also covers debug instances, which run without
  // Node's permission model.
  const mounts = ['--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', ...systemMounts()];
  for (const path of new Set([dirname(request.harnessFile), dirname(request.bundleFile), request.functionRoot, nodeHome(request.node.path)])) {
    mounts.push('--ro-bind', path, path);
  }
  mounts.push('--bind', request.tmpDir, request.tmpDir, '--chdir', request.functionRoot);
  return { command: request.bubblewrap, args: [...namespaces, ...mounts, '--', request.node.path, ...nodeArgs], env, cwd: request.functionRoot };
}

const systemPaths = [
  '/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32',
  '/etc/ssl', '/etc/ca-certificates', '/etc/pki', '/etc/resolv.conf', '/etc/hosts', '/etc/nsswitch.conf',
  '/etc/localtime', '/etc/os-release',
];

let systemMountArgs: string[] | undefined;

/** The installation folder of a Node binary (…/bin/node → …), which holds what it loads at run time. */
function nodeHome(nodePath: string): string {
  return dirname(dirname(realpathSync(nodePath)));
}

/** bwrap arguments that show the system paths that exist here, keeping merged-/usr symlinks as symlinks. */
function systemMounts(): string[] {
  if (systemMountArgs) return systemMountArgs;
  const args: string[] = [];
  for (const path of systemPaths) {
    if (!existsSync(path)) continue;
    if (lstatSync(path).isSymbolicLink() && path.split('/').length === 2) args.push('--symlink', readlinkSync(path), path);
    else args.push('--ro-bind', path, path);
  }
  systemMountArgs = args;
  return args;
}

let bubblewrapProbe: Promise<string | undefined> | undefined;

/** The path of `bwrap` when it is on PATH and can create namespaces here (containers often forbid it); probed once. */
export function findBubblewrap(): Promise<string | undefined> {
  bubblewrapProbe ??= probeBubblewrap();
  return bubblewrapProbe;
}

async function probeBubblewrap(): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  const candidate = findOnPath('bwrap');
  if (!candidate) return undefined;
  const works = await new Promise<boolean>((resolve) => {
    const child = spawn(candidate, ['--die-with-parent', '--unshare-pid', '--unshare-net', '--ro-bind', '/', '/', '--proc', '/proc', '--', '/bin/true'], {
      stdio: 'ignore',
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.on('error', () => resolve(false));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
  return works ? candidate : undefined;
}
