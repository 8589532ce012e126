// Debug layer entry point (dist/debugAdapter.js): the Nimbus debug adapter speaking DAP on stdin/stdout.

import { transform } from 'esbuild';
import { runDebugAdapter } from './stdio';

// Every launch checks and bundles the function with esbuild: start its service process now, while the client and
// the adapter exchange `initialize`, instead of on the launch's critical path.
void transform('').catch(() => undefined);

const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());

void runDebugAdapter({ input: process.stdin, output: process.stdout, signal: stop.signal }).then(() => process.exit(0));
