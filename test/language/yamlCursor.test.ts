// Unit tests of the YAML cursor helpers: which key path and kind sit under the cursor, in whole and half-typed manifests.
import assert from 'node:assert/strict';
import { completionContextAt, parseYaml, scalarAt } from '../../src/language/yamlCursor';

const manifest = `functions:
  thumbnail:
    handler: src/thumbnail.handler
    triggers:
      - http: { method: GET, path: /thumbs/{id} }
      - schedule: { cron: "*/5 * * * *" }
`;

/** Offset of the cursor written as `|` in a fixture, and the fixture without it. */
function cursor(marked: string): { text: string; offset: number } {
  const offset = marked.indexOf('|');
  return { text: marked.slice(0, offset) + marked.slice(offset + 1), offset };
}

describe('yaml cursor', function () {
  describe('scalarAt', function () {
    const parsed = parseYaml(manifest);
    const at = (needle: string, shift = 0) => scalarAt(parsed, manifest.indexOf(needle) + shift);

    it('finds keys and values with their key paths, through sequences and flow mappings', function () {
      assert.deepEqual([at('handler:')?.kind, at('handler:')?.path], ['key', ['functions', 'thumbnail', 'handler']]);
      assert.deepEqual(at('src/')?.path, ['functions', 'thumbnail', 'handler']);
      assert.deepEqual([at('GET')?.kind, at('GET')?.path], ['value', ['functions', 'thumbnail', 'triggers', 0, 'http', 'method']]);
      assert.deepEqual(at('cron')?.path, ['functions', 'thumbnail', 'triggers', 1, 'schedule', 'cron']);
    });

    it('keeps user offsets for a route with unquoted {param} braces', function () {
      const route = at('/thumbs', 3);
      assert.equal(route?.scalar.value, '/thumbs/{id}');
      assert.equal(manifest.slice(route!.start, route!.end), '/thumbs/{id}');
      const cron = at('*/5');
      assert.equal(manifest.slice(cron!.start, cron!.end), '"*/5 * * * *"');
    });

    it('finds nothing between nodes', function () {
      assert.equal(scalarAt(parsed, manifest.indexOf('  thumbnail')), undefined);
    });
  });

  describe('completionContextAt', function () {
    const context = (marked: string) => {
      const { text, offset } = cursor(marked);
      return completionContextAt(text, offset);
    };

    it('completes a key on an empty indented line, knowing the keys already there', function () {
      const found = context('functions:\n  thumbnail:\n    handler: a.b\n    |\n');
      assert.deepEqual([found?.kind, found?.path, found?.existingKeys], ['key', ['functions', 'thumbnail'], ['handler']]);
    });

    it('completes a half-typed key and replaces the typed part', function () {
      const { text, offset } = cursor('functions:\n  thumbnail:\n    handler: a.b\n    mem|\n');
      const found = completionContextAt(text, offset);
      assert.deepEqual([found?.kind, found?.path, found?.typed], ['key', ['functions', 'thumbnail'], 'mem']);
      assert.equal(text.slice(found!.replaceStart, found!.replaceEnd), 'mem');
    });

    it('completes a new sequence item as a key of that item', function () {
      const found = context('functions:\n  f:\n    triggers:\n      - |\n');
      assert.deepEqual([found?.kind, found?.path], ['key', ['functions', 'f', 'triggers', 0]]);
    });

    it('completes values after `key:` with or without a space, and inside flow mappings and quotes', function () {
      assert.deepEqual(context('defaults:\n  runtime: |\n')?.path, ['defaults', 'runtime']);
      assert.deepEqual(context('defaults:\n  runtime:|\n')?.path, ['defaults', 'runtime']);
      const flow = context('t:\n  - http: { method: P|, path: /x }\n');
      assert.deepEqual([flow?.kind, flow?.path, flow?.typed], ['value', ['t', 0, 'http', 'method'], 'P']);
      const { text, offset } = cursor('s: { cron: "*/5 |* * *" }\n');
      const quoted = completionContextAt(text, offset);
      assert.equal(text.slice(quoted!.replaceStart, quoted!.replaceEnd), '*/5 * * *');
    });

    it('completes items of a flow sequence', function () {
      assert.deepEqual(context('storage: { events: [created, |] }\n')?.path, ['storage', 'events', 1]);
    });
  });
});
