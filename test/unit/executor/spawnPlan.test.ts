// Executor: the spawn plan of each sandbox level — flags, namespaces and environment, without starting processes.

import assert from 'node:assert/strict';
import { findNodeRuntime, planSpawn, type SandboxRequest } from '../../../src/executor/sandbox';
import { fixtureFunction } from './support';

const base: SandboxRequest = {
  level: 'strict',
  fn: fixtureFunction('behaviors.js', { memory: 128, env: { KEY: 'value' } }),
  harnessFile: '/opt/nimbus/dist/harness.js',
  bundleFile: '/tmp/cache/behaviors/abc/index.js',
  functionRoot: '/work/app',
  tmpDir: '/tmp/nimbus-instance-x',
  bubblewrap: '/usr/bin/bwrap',
  node: { path: process.execPath, env: {} },
  debug: false,
};

describe('executor: spawn plans per sandbox level', () => {
  it("'none' runs plain node with the heap limit and a scrubbed env", () => {
    const plan = planSpawn({ ...base, level: 'none' });
    assert.equal(plan.command, process.execPath);
    assert.ok(plan.args.includes('--max-old-space-size=128'));
    assert.ok(!plan.args.some((arg) => arg.startsWith('--experimental-permission')));
    assert.equal(plan.env.KEY, 'value');
    assert.equal(plan.env.TMPDIR, '/tmp/nimbus-instance-x');
    assert.equal(plan.env.NODE_OPTIONS, undefined);
  });

  it("'node' turns the permission model on: read own folder, bundle and harness; write only tmp; nothing else", () => {
    const plan = planSpawn({ ...base, level: 'node' });
    assert.equal(plan.command, process.execPath);
    assert.ok(plan.args.includes('--experimental-permission'));
    const reads = plan.args.filter((arg) => arg.startsWith('--allow-fs-read=')).map((arg) => arg.slice('--allow-fs-read='.length));
    assert.deepEqual(reads.sort(), ['/opt/nimbus/dist/harness.js', '/tmp/cache/behaviors/abc', '/tmp/nimbus-instance-x', '/work/app']);
    assert.deepEqual(plan.args.filter((arg) => arg.startsWith('--allow-fs-write=')), ['--allow-fs-write=/tmp/nimbus-instance-x']);
    assert.ok(!plan.args.some((arg) => arg === '--allow-child-process' || arg === '--allow-worker'));
  });

  it("'strict' wraps node in bubblewrap without network, showing only system paths and the instance's own", () => {
    const plan = planSpawn(base);
    assert.equal(plan.command, '/usr/bin/bwrap');
    const separator = plan.args.indexOf('--');
    const bwrapArgs = plan.args.slice(0, separator).join(' ');
    for (const flag of ['--die-with-parent', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net', '--ro-bind /usr /usr', '--tmpfs /tmp']) {
      assert.ok(bwrapArgs.includes(flag), `missing ${flag}`);
    }
    assert.ok(!bwrapArgs.includes('--ro-bind / /'), 'the whole root file system must not be visible');
    assert.ok(!/--ro-bind \/(root|home|etc) /.test(bwrapArgs), 'no home folders or all of /etc');
    assert.ok(bwrapArgs.includes('--ro-bind /tmp/cache/behaviors/abc /tmp/cache/behaviors/abc'));
    assert.ok(bwrapArgs.includes('--ro-bind /work/app /work/app'));
    assert.ok(bwrapArgs.includes('--bind /tmp/nimbus-instance-x /tmp/nimbus-instance-x'));
    assert.equal(plan.args[separator + 1], process.execPath);
    assert.ok(plan.args.includes('--experimental-permission'));
  });

  it("'strict' keeps the network for a function with network: true", () => {
    const plan = planSpawn({ ...base, fn: { ...base.fn, network: true } });
    assert.ok(!plan.args.includes('--unshare-net'));
  });

  it("'strict' falls back to the permission model when bubblewrap is missing", () => {
    const plan = planSpawn({ ...base, bubblewrap: undefined });
    assert.equal(plan.command, process.execPath);
    assert.ok(plan.args.includes('--experimental-permission'));
  });

  it('debug instances drop the permission model (it disables the inspector) and share the network for the inspector', () => {
    const plan = planSpawn({ ...base, debug: true });
    assert.equal(plan.command, '/usr/bin/bwrap');
    assert.ok(!plan.args.includes('--unshare-net'));
    assert.ok(!plan.args.includes('--experimental-permission'));
    assert.ok(plan.args.includes('--unshare-pid'));
  });

  it('runs instances with the configured Node and its environment (Electron run as Node in desktop VS Code)', () => {
    const plan = planSpawn({ ...base, level: 'node', node: { path: '/opt/editor/code', env: { ELECTRON_RUN_AS_NODE: '1' } } });
    assert.equal(plan.command, '/opt/editor/code');
    assert.equal(plan.env.ELECTRON_RUN_AS_NODE, '1');
    const strict = planSpawn({ ...base, node: { path: process.execPath, env: {} } });
    assert.equal(strict.args[strict.args.indexOf('--') + 1], process.execPath);
  });

  it('uses this process\'s Node outside Electron, and a configured path when given', () => {
    assert.deepEqual(findNodeRuntime(), { path: process.execPath, env: {} });
    assert.deepEqual(findNodeRuntime('/usr/local/bin/node'), { path: '/usr/local/bin/node', env: {} });
  });
});
