// Integration test entry: the module @vscode/test-electron (and this project's web runner) load in the extension
// host; runs the mocha suite and rejects when a test fails.
import Mocha from 'mocha';
import { suite } from './suite/extension.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000 });
  mocha.suite.emit('pre-require', globalThis, 'extension.test', mocha);
  suite();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
