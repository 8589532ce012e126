// Debug layer units: source maps both ways on a real esbuild bundle, hit conditions, logpoints (splitting, the
// condition they become, hit tests, syntax errors), the bundle URL regex and launch-argument checks.

import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { bundleUrlRegex, hitConditionMet, hitTestSource, logpointCondition, parseHitCondition, parseLogMessage, syntaxErrorIn } from '../../src/debug/breakpoints';
import { parseLaunchArguments } from '../../src/debug/launchArguments';
import { BundleSourceMap } from '../../src/debug/sourceMaps';
import { TryBlocks } from '../../src/debug/tryBlocks';
import { isNimbusError } from '../../src/shared/errors';
import { tsCjs } from './support';

describe('debug units', () => {
  describe('BundleSourceMap', () => {
    let folder: string;
    let map: BundleSourceMap;

    before(() => {
      folder = mkdtempSync(join(tmpdir(), 'nimbus-map-'));
      const outfile = join(folder, 'index.js');
      buildSync({ entryPoints: [tsCjs.handler], bundle: true, platform: 'node', format: 'cjs', sourcemap: true, outfile, logLevel: 'silent' });
      map = new BundleSourceMap(outfile + '.map');
    });

    after(() => rmSync(folder, { recursive: true, force: true }));

    it('lists the TypeScript sources as absolute paths', () => {
      assert.ok(map.hasSource(tsCjs.handler));
      assert.ok(map.hasSource(tsCjs.orders));
    });

    it('maps a source line to the bundle and back to the same line', () => {
      for (const [path, line] of [
        [tsCjs.orders, 11],
        [tsCjs.handler, 13],
      ] as const) {
        const generated = map.generatedFor(path, line)!;
        assert.ok(generated, `${path}:${line} has code`);
        const original = map.originalFor(generated.line, generated.column)!;
        assert.equal(original.path, path);
        assert.equal(original.line, line);
      }
    });

    it('moves a line without code (types, blanks) to the next line with code', () => {
      const generated = map.generatedFor(tsCjs.orders, 2)!;
      assert.equal(map.originalFor(generated.line, generated.column)!.line, 8);
    });

    it('answers nothing for files outside the bundle or past the last line of code', () => {
      assert.equal(map.generatedFor('/elsewhere/file.ts', 1), undefined);
      assert.equal(map.generatedFor(tsCjs.orders, 500), undefined);
    });
  });

  describe('TryBlocks', () => {
    it('finds try bodies in esbuild output, nested ones included, but not catch or finally bodies', () => {
      const source = [
        'async function handler(event) {', // 0
        '  try {', // 1
        '    await step();', // 2
        '    try {', // 3
        '      risky();', // 4
        '    } catch {', // 5
        '      recover();', // 6
        '    }', // 7
        '  } finally {', // 8
        '    done();', // 9
        '  }', // 10
        '  const text = "try {";', // 11
        '}', // 12
      ].join('\n');
      const blocks = new TryBlocks(source);
      assert.deepEqual(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].filter((line) => blocks.encloses(line)),
        [2, 3, 4, 5, 6, 7],
      );
    });
  });

  describe('hit conditions', () => {
    it('reads a plain number as "from that hit on", and the operators as written', () => {
      const hits = (text: string) => [1, 2, 3, 4, 5, 6].filter((hit) => hitConditionMet(parseHitCondition(text)!, hit));
      assert.deepEqual(hits('3'), [3, 4, 5, 6]);
      assert.deepEqual(hits('==3'), [3]);
      assert.deepEqual(hits('> 4'), [5, 6]);
      assert.deepEqual(hits('<=2'), [1, 2]);
      assert.deepEqual(hits('%2'), [2, 4, 6]);
      assert.equal(parseHitCondition('sometimes'), undefined);
    });
  });

  describe('logpoints', () => {
    it('split a message at its {expression} parts, past strings, templates and brackets inside them', () => {
      assert.deepEqual(parseLogMessage('item {item.sku} costs {item.price}'), { texts: ['item ', ' costs ', ''], expressions: ['item.sku', 'item.price'] });
      assert.deepEqual(parseLogMessage('s={"}"} t={`x${i}`}'), { texts: ['s=', ' t=', ''], expressions: ['"}"', '`x${i}`'] });
      assert.deepEqual(parseLogMessage("a={ {k: '{'}.k } b={[1, 2][0]}"), { texts: ['a=', ' b=', ''], expressions: [" {k: '{'}.k ", '[1, 2][0]'] });
      assert.deepEqual(parseLogMessage('t={`${`}`}`}'), { texts: ['t=', ''], expressions: ['`${`}`}`'] });
    });

    it('read {{ and }} as literal braces, and a { without its }, or {}, as text', () => {
      assert.deepEqual(parseLogMessage('braces {{literal}} i={i}'), { texts: ['braces {literal} i=', ''], expressions: ['i'] });
      assert.deepEqual(parseLogMessage('open { and {} and "{"'), { texts: ['open { and {} and "{"'], expressions: [] });
    });

    it('become a condition that hands the parts to the instance hook, which counts hits and never pauses', () => {
      const calls: unknown[][] = [];
      const hook = Symbol.for('nimbus.debug.logpoint');
      const run = (condition: string, scope: Record<string, unknown>) =>
        new Function('globalThis', ...Object.keys(scope), `return ${condition};`)({ [hook]: (...args: unknown[]) => (calls.push(args), false) }, ...Object.values(scope));
      assert.equal(run(logpointCondition(4, parseLogMessage('only {n} // not a comment'), { condition: 'n > 1 // a comment' }), { n: 1 }), false);
      assert.equal(calls.length, 0);
      run(logpointCondition(4, parseLogMessage('only {n // a comment}'), { condition: 'n > 1', hitCondition: parseHitCondition('>8') }), { n: 2 });
      const [id, hitTest, texts, expressions] = calls[0] as [number, (hits: number) => boolean, string[], (() => unknown)[]];
      assert.equal(id, 4);
      assert.deepEqual([8, 9].map(hitTest), [false, true]);
      assert.deepEqual(texts, ['only ', '']);
      assert.deepEqual(expressions.map((expression) => expression()), [2]);
    });

    it('count hits inside the instance as the adapter does for breakpoints', () => {
      for (const text of ['3', '==3', '> 4', '<=2', '<5', '%2', '%0']) {
        const condition = parseHitCondition(text)!;
        const hitTest = new Function(`return ${hitTestSource(condition)};`)() as (hits: number) => boolean;
        const hits = [1, 2, 3, 4, 5, 6];
        assert.deepEqual(hits.filter(hitTest), hits.filter((hit) => hitConditionMet(condition, hit)), text);
      }
    });

    it('name the syntax error V8 would find', () => {
      assert.match(syntaxErrorIn('syntax error(') ?? '', /^SyntaxError: /);
      assert.equal(syntaxErrorIn("item.sku === 'b'"), undefined);
    });
  });

  describe('bundleUrlRegex', () => {
    it('matches the bundle by file URL and by path, and nothing else', () => {
      const file = '/tmp/a b/.nimbus/cache/index.js';
      const regex = new RegExp(bundleUrlRegex(file));
      assert.ok(regex.test(pathToFileURL(file).href));
      assert.ok(regex.test(file));
      assert.ok(!regex.test(file + '.map'));
      assert.ok(!regex.test('/tmp/a b/.nimbus/cache/index.jsx'));
    });
  });

  describe('launch arguments', () => {
    const cwd = '/work/project';

    it('defaults the manifest to nimbus.yaml in cwd and resolves eventFile against the manifest folder', () => {
      const args = parseLaunchArguments({ type: 'nimbus', request: 'launch', function: 'thumbnail', eventFile: 'events/upload.json', preLaunchTask: 'build' }, cwd);
      assert.equal(args.manifest, '/work/project/nimbus.yaml');
      assert.equal(args.eventFile, '/work/project/events/upload.json');
      assert.equal(args.serve, false);
      assert.equal(args.stopOnEntry, false);
      assert.equal(args.justMyCode, true);
    });

    it('rejects mistakes with a sentence naming the attribute', () => {
      const rejects = (raw: Record<string, unknown>, pattern: RegExp) =>
        assert.throws(() => parseLaunchArguments(raw, cwd), (error: unknown) => isNimbusError(error) && error.code === 'USAGE' && pattern.test(error.message));
      rejects({}, /"function" is required/);
      rejects({ function: 'a', trigger: 'sms' }, /"trigger" must be one of http, storage, queue, schedule/);
      rejects({ function: 'a', event: {}, trigger: 'http' }, /only one of "event", "eventFile" and "trigger"/);
      rejects({ function: 'a', stopOnEntry: 'yes' }, /"stopOnEntry" must be true or false/);
      rejects({ function: 'a', serve: true, port: 70000 }, /"port"/);
      rejects({ function: 7 }, /"function" must be a non-empty string/);
    });

    it('allows serve without a function (a one-function manifest decides)', () => {
      assert.equal(parseLaunchArguments({ serve: true }, cwd).function, undefined);
    });
  });
});
