// Backend tests: hostile and broken deploy artifacts are refused with clear errors, and the old version keeps serving.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { packArtifact } from '../../src/client';
import { isNimbusError } from '../../src/shared/errors';
import { useTestBackend } from './helpers';

interface RawEntry {
  name: string;
  content?: string;
  /** ustar type flag: '0' file, '1' hard link, '2' symlink, '5' directory. */
  type?: string;
  linkName?: string;
}

/** A hand-written ustar archive, so the test can say exactly what a hostile client would send. */
function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = Buffer.from(entry.content ?? '');
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write(entry.type ?? '0', 156);
    header.write(entry.linkName ?? '', 157, 100, 'utf8');
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

const sha = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

describe('backend deploy artifacts', function () {
  this.timeout(30_000);
  const fixture = useTestBackend({
    backend: { maxArtifactBytes: 256 * 1024, archive: { maxUnpackedBytes: 1024 * 1024 } },
    deploy: ['hello'],
  });
  let config: string;
  /** A loadable bundle that would replace version 1 if the artifact around it were accepted. */
  const bundle = 'exports.handler = async () => ({ statusCode: 200, body: "replaced" });';

  before(async () => {
    config = JSON.stringify((await fixture.project.artifact('hello')).config);
  });


  async function refused(archive: Buffer, code: string, message: RegExp): Promise<void> {
    await assert.rejects(fixture.client.deploy('hello', archive, sha(archive)), (error: unknown) => {
      assert.ok(isNimbusError(error), String(error));
      assert.equal(error.code, code, error.message);
      assert.match(error.message, message);
      return true;
    });
    // Whatever was refused, version 1 still serves.
    assert.equal(await (await fetch(`${fixture.backend.url}/fn/hello/still`)).text(), 'hello still');
    assert.deepEqual((await fixture.client.getFunction('hello')).versions.map((version) => version.version), [1]);
  }

  it('refuses path traversal (zip-slip) and absolute paths', async () => {
    await refused(rawTar([{ name: 'nimbus.json', content: config }, { name: 'bundle/../../escape.js', content: bundle }]), 'BUNDLE_INVALID', /unsafe path/);
    await refused(rawTar([{ name: 'nimbus.json', content: config }, { name: '/etc/evil.js', content: bundle }]), 'BUNDLE_INVALID', /unsafe path/);
    assert.ok(!existsSync(join(fixture.dataDir, '..', 'escape.js')));
  });

  it('refuses symbolic and hard links', async () => {
    await refused(
      rawTar([{ name: 'nimbus.json', content: config }, { name: 'bundle/index.js', type: '2', linkName: '/etc/passwd' }]),
      'BUNDLE_INVALID',
      /SymbolicLink entry/,
    );
    await refused(
      rawTar([{ name: 'nimbus.json', content: config }, { name: 'bundle/index.js', type: '1', linkName: 'nimbus.json' }]),
      'BUNDLE_INVALID',
      /Link entry/,
    );
  });

  it('refuses archives over the compressed limit (413) and the unpacked limit (gzip bomb)', async () => {
    const incompressible = Buffer.from(Array.from({ length: 300 * 1024 }, () => Math.floor(Math.random() * 256)));
    await refused(incompressible, 'PAYLOAD_TOO_LARGE', /larger than the 256 KiB the backend accepts here; send less/);
    const bomb = rawTar([{ name: 'nimbus.json', content: config }, { name: 'bundle/index.js', content: 'x'.repeat(2 * 1024 * 1024) }]);
    assert.ok(bomb.length < 256 * 1024);
    await refused(bomb, 'PAYLOAD_TOO_LARGE', /unpacks to more than/);
  });

  it('refuses an invalid bundle, a missing export, a bad config and a wrong checksum', async () => {
    await refused(await packArtifact({ 'nimbus.json': config, 'bundle/index.js': 'exports.handler = async ( => {' }), 'BUNDLE_INVALID', /does not compile/);
    await refused(
      await packArtifact({ 'nimbus.json': config, 'bundle/index.js': 'exports.other = 1;\n0 && (module.exports = { other });' }),
      'BUNDLE_INVALID',
      /does not export "handler"/,
    );
    await refused(await packArtifact({ 'nimbus.json': config }), 'BUNDLE_INVALID', /no bundle\/index\.js/);
    await refused(await packArtifact({ 'nimbus.json': '{"name":"hello"}', 'bundle/index.js': bundle }), 'BUNDLE_INVALID', /nimbus\.json/);
    await refused(await packArtifact({ 'nimbus.json': config.replace('"memory":128', '"memory":99999'), 'bundle/index.js': bundle }), 'BUNDLE_INVALID', /memory/);
    await refused(Buffer.from('not gzip at all'), 'BUNDLE_INVALID', /not a gzip file/);
    const good = await packArtifact({ 'nimbus.json': config, 'bundle/index.js': bundle });
    await assert.rejects(fixture.client.deploy('hello', good, '0'.repeat(64)), /arrived damaged/);
  });

  it('refuses an artifact uploaded under another function name', async () => {
    const other = await packArtifact({ 'nimbus.json': config.replace('"name":"hello"', '"name":"other"'), 'bundle/index.js': bundle });
    await refused(other, 'BUNDLE_INVALID', /for function other/);
  });

  it('leaves no staging files behind', async () => {
    assert.deepEqual(await readdir(join(fixture.dataDir, 'staging')), []);
    assert.equal((await readdir(join(fixture.dataDir, 'bundles'))).length, 1);
  });
});
