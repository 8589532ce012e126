// Unit tests of export discovery for handler files: TypeScript, ESM and CommonJS.
import assert from 'node:assert/strict';
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

  it('lists CommonJS exports (plus default) from exports.x and module.exports = {...}', async () => {
    assert.deepEqual((await listExports('exports.handler = async () => 1;\n', '/p/a.js')).sort(), ['default', 'handler']);
    assert.deepEqual((await listExports('const handler = 1, b = 2;\nmodule.exports = { handler, b };\n', '/p/a.cjs')).sort(), ['b', 'default', 'handler']);
    const reexporting = await analyzeExports("module.exports = require('./impl');\n", '/p/a.cjs');
    assert.deepEqual(reexporting.reexports, ['./impl']);
  });

  it('reads a .cts file written with ESM syntax and one written with exports.x', async () => {
    assert.deepEqual(await listExports('export const handler = (): number => 1;\n', '/p/a.cts'), ['handler']);
    assert.deepEqual((await listExports('exports.handler = (): number => 1;\n', '/p/b.cts')).sort(), ['default', 'handler']);
  });

  it('reports a syntax error instead of guessing', async () => {
    await assert.rejects(listExports('export const = ;', '/p/broken.ts'));
  });
});
