// Extension glue: the debug adapter of src/debug, bundled on its own as dist/debugAdapterLib.js so that the extension
// host runs it inline (no adapter process to spawn and load on every Debug click) without extension.js carrying it:
// debug.ts requires this bundle when the first `nimbus` session starts.

export { NimbusDebugSession } from '../debug/session';
