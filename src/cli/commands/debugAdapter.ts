// CLI layer: `nimbus debug-adapter` — the Nimbus debug adapter on stdin/stdout, for DAP clients other than VS Code.

import { createLogger } from '../../shared/logger';
import { runDebugAdapter } from '../../debug/stdio';
import type { CliCommand } from '../command';

export const debugAdapterCommand: CliCommand = {
  name: 'debug-adapter',
  summary: 'Speak the Debug Adapter Protocol on stdin/stdout (debug type "nimbus", for nvim-dap, dap-mode, …)',
  usage: [
    'nimbus debug-adapter',
    '',
    'Runs the Nimbus debug adapter on stdin/stdout until the client disconnects. Point a DAP client at this',
    'command and launch with the arguments of debug type "nimbus": manifest, function, event | eventFile |',
    'trigger, serve, stopOnEntry. Diagnostics go to stderr. See docs/debug-adapter.md.',
  ].join('\n'),
  options: {},
  positionals: [0, 0],
  async run(_args, io) {
    const logger = createLogger({ write: (line) => io.stderr.write(line + '\n'), prefix: 'nimbus debug' });
    // DAP needs the raw byte streams: CliIO's writers are for text lines.
    await runDebugAdapter({ input: process.stdin, output: process.stdout, logger, cwd: io.cwd, signal: io.signal });
    return 0;
  },
};
