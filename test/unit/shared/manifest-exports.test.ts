// Unit tests of export discovery for handler files: TypeScript, ESM and CommonJS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { analyzeExports, listExports } from '../../../src/shared/manifest';

describe('handler export discovery', () => {
  it('lists TypeScript exports and drops type-only ones', async () => {
    const source = `
      import type { Context } from 'aws-lambda';
      export interface Event { id: string }
      export type Result = { ok: boolean };
      export const handler = async (event: Event, context: Context): Promise<Result> => ({ ok: !!event && !!context });
      export async function other(): Promise<void> {}
      const internal = 1;
      export { internal as renamed };
      export default class Service {}
    `;
    assert.deepEqual((await listExports(source, '/p/src/handler.ts')).sort(), ['default', 'handler', 'other', 'renamed']);
  });

  it('lists ESM exports and remembers star re-exports', async () => {
    const result = await analyzeExports("export * from './impl.js';\nexport { a as handler } from './a.js';\nexport default 1;\n", '/p/x.mjs');
    assert.deepEqual(result, { names: ['handler', 'default'], reexports: ['./impl.js'], format: 'esm' });
  });

  it('lists CommonJS exports from exports.x and module.exports = {...}, with a default only when the file sets one', async () => {
    assert.deepEqual(await listExports('exports.handler = async () => 1;\n', '/p/a.js'), ['handler']);
    assert.deepEqual((await listExports('const handler = 1, b = 2;\nmodule.exports = { handler, b };\n', '/p/a.cjs')).sort(), ['b', 'handler']);
    assert.deepEqual((await listExports('exports.__esModule = true;\nexports.default = async () => 1;\n', '/p/a.js')), ['default']);
    assert.deepEqual(await listExports('module.exports = async () => 1;\n', '/p/a.js'), []);
    const reexporting = await analyzeExports("module.exports = require('./impl');\n", '/p/a.cjs');
    assert.deepEqual(reexporting.reexports, ['./impl']);
  });

  it('finds no exports in a TypeScript file of types only (examples/src/types.ts), as its bundle has none', async () => {
    const file = path.resolve(__dirname, '../../../examples/src/types.ts');
    assert.deepEqual(await listExports(readFileSync(file, 'utf8'), file), []);
    assert.deepEqual(await listExports('export type A = 1;\ndeclare global { const x: number }\n', '/p/types.mts'), []);
  });

  it('reads a .cts file written with ESM syntax and one written with exports.x', async () => {
    assert.deepEqual(await listExports('export const handler = (): number => 1;\n', '/p/a.cts'), ['handler']);
    assert.deepEqual(await listExports('exports.handler = (): number => 1;\n', '/p/b.cts'), ['handler']);
  });

  it('reports a syntax error instead of guessing', async () => {
    await assert.rejects(listExports('export const = ;', '/p/broken.ts'));
  });
});
