// Integration test runner for desktop VS Code (`npm run test:vscode`): the same suite through @vscode/test-electron,
// which downloads VS Code on first use (needs access to update.code.visualstudio.com).
import { rmSync } from 'node:fs';
import { runTests } from '@vscode/test-electron';
import { bundleSuite, prepareWorkspace, root } from './prepare.mjs';

const extensionTestsPath = await bundleSuite();
const { scratch, workspace } = prepareWorkspace();
let code = 0;
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath,
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { NIMBUS_TEST_ROOT: root, NIMBUS_TEST_SCRATCH: scratch },
  });
} catch (error) {
  console.error(error);
  code = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);
