// Backend layer: starts the backend (`dist/backend.js`) as a child process on a port it picks itself, and resolves
// with its URL once it listens — used by the extension's local backend, the integration suite and the benchmark.

import { spawn, type ChildProcess } from 'node:child_process';
import { NimbusError } from '../shared/errors';

export interface LaunchBackendOptions {
  /** The Node.js that runs it (the backend's store is a native module built for Node). */
  nodePath: string;
  /** Absolute path of dist/backend.js. */
  script: string;
  dataDir: string;
  /** 0 (default): a free port, chosen by the backend itself, so nothing can take it between choosing and binding. */
  port?: number;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** The backend's own output, line by line (its token is printed there on first start). */
  onOutput?: (line: string) => void;
}

export interface LaunchedBackend {
  child: ChildProcess;
  url: string;
  /** SIGTERM (a graceful drain), then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const listening = /Nimbus backend listening on (http:\/\/\S+)/;

export function launchBackend(options: LaunchBackendOptions): Promise<LaunchedBackend> {
  const args = [options.script, '--port', String(options.port ?? 0), '--host', '127.0.0.1', '--data', options.dataDir];
  const child = spawn(options.nodePath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  const stop = (graceMs = 5000) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop(0);
      reject(new NimbusError('BACKEND_UNREACHABLE', `The backend did not start within ${(options.timeoutMs ?? 15_000) / 1000} s:\n${output}`));
    }, options.timeoutMs ?? 15_000);
    const read = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim()) options.onOutput?.(line);
      const match = listening.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], stop });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new NimbusError('BACKEND_UNREACHABLE', `Could not start the backend with "${options.nodePath}": ${error.message}. Set "nimbus.nodePath" to a Node.js 20 executable.`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new NimbusError('BACKEND_UNREACHABLE', `The backend exited (${signal ?? `code ${code}`}) before it listened:\n${output}`));
    });
  });
}
