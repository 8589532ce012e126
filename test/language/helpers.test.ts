// Unit tests of the language server's pure helpers: cron sentences, export declarations, templates, schema walking.
import assert from 'node:assert/strict';
import { describeCron } from '../../src/language/cronDescription';
import { exportTemplate, findExportDeclaration } from '../../src/language/handlerSources';
import { descriptionOf, SchemaNavigator, valuesOf, type JsonSchema } from '../../src/language/schemaNavigator';
import { manifestSchema } from '../../src/shared/manifest';

describe('language helpers', function () {
  it('describes cron expressions in a sentence', function () {
    assert.equal(describeCron('*/5 * * * *'), 'Every 5 minutes');
    assert.equal(describeCron('30 9 * * 1-5'), 'At 09:30, on Monday through Friday');
    assert.equal(describeCron('0 */2 * * *'), 'At minute 0 past every 2 hours');
    assert.equal(describeCron('0 12 1 1,7 *'), 'At 12:00, on day 1 of the month, in January and July');
    assert.equal(describeCron('*/10 * * * * *'), 'Every 10 seconds');
    assert.equal(describeCron('@daily'), 'Once a day, at 00:00');
    assert.equal(describeCron('not a cron'), undefined);
  });

  it('finds the declaration of an export in ESM, TypeScript and CommonJS sources', function () {
    const name = (source: string, exportName: string) => {
      const span = findExportDeclaration(source, exportName);
      return span && { text: source.slice(span.start, span.end), start: span.start };
    };
    assert.deepEqual(name('export async function handler(e: unknown) {}', 'handler'), { text: 'handler', start: 22 });
    assert.equal(name('export const resize = async () => {}', 'resize')?.text, 'resize');
    assert.equal(name('const run = 1;\nexport { run as handler };', 'handler')?.start, 6);
    assert.equal(name('function go() {}\nexport { go };', 'go')?.start, 9);
    assert.equal(name('exports.consume = async () => {};', 'consume')?.start, 8);
    assert.equal(name('export default async function () {}', 'default')?.text, 'export default');
    assert.equal(name('export const handlerTwo = 1;', 'handler'), undefined);
  });

  it('writes export templates in the module style of the file', function () {
    assert.match(exportTemplate('/p/a.ts', 'run'), /^export async function run\(event: unknown, context/);
    assert.match(exportTemplate('/p/a.cjs', 'run'), /^exports\.run = async \(event, context\) =>/);
    assert.match(exportTemplate('/p/a.js', 'run', 'exports.other = 1;\n'), /^exports\.run = /);
    assert.match(exportTemplate('/p/a.js', 'default'), /^export default async function \(event, context\)/);
  });

  it('walks the manifest schema through additionalProperties, items and enums', function () {
    const schema = new SchemaNavigator(manifestSchema as JsonSchema);
    const triggerTypes = schema.propertiesAt(['functions', 'any', 'triggers', 0]).map((property) => property.name);
    assert.deepEqual(triggerTypes, ['http', 'storage', 'queue', 'schedule']);
    assert.deepEqual(valuesOf(schema.at(['functions', 'any', 'triggers', 3, 'storage', 'events', 0])), ['created', 'deleted']);
    assert.match(descriptionOf(schema.at(['functions', 'f', 'memory'])) ?? '', /MB/);
    assert.deepEqual(schema.at(['functions', 'f', 'nope']), []);
  });
});
