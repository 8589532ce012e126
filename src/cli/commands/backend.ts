// CLI layer: `nimbus backend` — runs the companion FaaS backend in the foreground until Ctrl-C.

import { backendFlags, backendUsage, serveOptionsFrom, serveUntilAborted } from '../../backend/serve';
import type { CliCommand } from '../command';

export const backendCommand: CliCommand = {
  name: 'backend',
  summary: 'Start the companion FaaS backend (deploy target, triggers, logs, metrics)',
  usage: backendUsage,
  options: backendFlags,
  positionals: [0, 0],
  async run(args, io) {
    await serveUntilAborted(serveOptionsFrom(args.values, { cwd: io.cwd, env: io.env, stderr: io.stderr, signal: io.signal }));
    return 0;
  },
};
