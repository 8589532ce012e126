// Grammar tests: the TextMate grammars in syntaxes/ are well-formed, match what package.json contributes, and scope
// sample lines as intended — tokenized by vscode-textmate with Oniguruma, the engine VS Code itself uses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, Registry, parseRawGrammar, type IGrammar } from 'vscode-textmate';

interface Rule {
  match?: string;
  begin?: string;
  end?: string;
  include?: string;
  patterns?: Rule[];
  captures?: Record<string, { name?: string; patterns?: Rule[] }>;
}

interface Grammar {
  scopeName: string;
  injectionSelector?: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
}

const files: Record<string, string> = {
  'text.log.nimbus': 'syntaxes/nimbus-log.tmLanguage.json',
  'nimbus.yaml.injection': 'syntaxes/nimbus-yaml.injection.tmLanguage.json',
};

function loadGrammar(file: string): Grammar {
  return JSON.parse(readFileSync(file, 'utf8')) as Grammar;
}

/** Every rule of a grammar, wherever it sits (top level, repository, capture patterns). */
function allRules(grammar: Grammar): Rule[] {
  const rules: Rule[] = [];
  const visit = (rule: Rule) => {
    rules.push(rule);
    for (const child of rule.patterns ?? []) visit(child);
    for (const capture of Object.values(rule.captures ?? {})) for (const child of capture.patterns ?? []) visit(child);
  };
  for (const rule of [...grammar.patterns, ...Object.values(grammar.repository)]) visit(rule);
  return rules;
}

let registry: Registry | undefined;

/** One registry for the run: Oniguruma's WebAssembly loads once. YAML itself is a stand-in that injections extend. */
async function textmate(): Promise<Registry> {
  if (registry) return registry;
  const wasm = readFileSync(join(require.resolve('vscode-oniguruma'), '..', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName === 'source.yaml') return parseRawGrammar(JSON.stringify({ scopeName, patterns: [] }), 'yaml.json');
      const file = files[scopeName];
      return file ? parseRawGrammar(readFileSync(file, 'utf8'), file) : null;
    },
    getInjections: (scopeName) => (scopeName === 'source.yaml' ? ['nimbus.yaml.injection'] : undefined),
  });
  return registry;
}

/** Scopes (below the root scope) at the first character of `needle` in `line` (its `occurrence`-th appearance). */
function scopesAt(grammar: IGrammar, line: string, needle: string, occurrence = 1): string[] {
  let index = -1;
  for (let count = 0; count < occurrence; count++) index = line.indexOf(needle, index + 1);
  assert.ok(index >= 0, `'${needle}' in '${line}'`);
  const token = grammar.tokenizeLine(line, INITIAL).tokens.find((candidate) => candidate.startIndex <= index && index < candidate.endIndex);
  return (token?.scopes.slice(1) ?? []).flatMap((scope) => scope.split(' '));
}

function checkStructure(grammar: Grammar): void {
  assert.match(grammar.scopeName, /^[a-z]+(\.[a-z-]+)+$/);
  for (const rule of allRules(grammar)) {
    if (rule.include) {
      assert.ok(rule.include.startsWith('#') && grammar.repository[rule.include.slice(1)], `include ${rule.include} resolves`);
    }
    assert.equal(rule.begin ?? rule.end, undefined, 'only match rules (single-line scopes)');
  }
}

describe('TextMate grammars', function () {
  it('are contributed in package.json under the scope names the files declare', function () {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { grammars: { scopeName: string; path: string }[] } };
    for (const [scopeName, file] of Object.entries(files)) {
      const contribution = manifest.contributes.grammars.find((grammar) => grammar.path === `./${file}`);
      assert.ok(contribution, `${file} is contributed`);
      assert.equal(contribution.scopeName, scopeName);
      assert.equal(loadGrammar(file).scopeName, scopeName);
    }
  });

  describe('nimbus-log.tmLanguage.json', function () {
    const requestId = '3f1c2a9e-8b7d-4c6e-9f01-23456789abcd';
    let grammar: IGrammar;

    before(async function () {
      const loaded = await (await textmate()).loadGrammar('text.log.nimbus');
      assert.ok(loaded, 'the log grammar loads');
      grammar = loaded;
    });

    it('is a well-formed grammar of match rules', function () {
      const raw = loadGrammar(files['text.log.nimbus']);
      assert.equal(raw.scopeName, 'text.log.nimbus');
      checkStructure(raw);
    });

    it('scopes the time, request id and level of a log line, by level', function () {
      const info = `2026-11-23T16:36:48.123Z\t${requestId}\tINFO\tresized 12 images in 34.5 ms`;
      assert.ok(scopesAt(grammar, info, '2026').includes('comment.log.date.nimbus'));
      assert.ok(scopesAt(grammar, info, requestId).includes('constant.language.request-id.nimbus'));
      assert.ok(scopesAt(grammar, info, 'INFO').includes('markup.inserted.log.info.nimbus'));
      assert.ok(scopesAt(grammar, info, '34.5').includes('constant.numeric.duration.nimbus'));
      assert.ok(scopesAt(grammar, info, 'ms').includes('keyword.other.unit.nimbus'));
      assert.deepEqual(scopesAt(grammar, info, 'images'), []);

      const warning = `2026-11-23T16:36:48.123Z\t${requestId}\tWARN\tslow`;
      assert.ok(scopesAt(grammar, warning, 'WARN').includes('markup.changed.log.warning.nimbus'));
      const error = `2026-11-23T16:36:48Z\t${requestId}\tERROR\tTypeError: Cannot read properties of undefined`;
      assert.ok(scopesAt(grammar, error, 'ERROR').includes('markup.deleted.log.error.nimbus'));
      assert.ok(scopesAt(grammar, error, 'TypeError').includes('invalid.illegal.error-type.nimbus'));
      assert.deepEqual(scopesAt(grammar, error, 'Cannot'), []);
    });

    it('scopes every metric of a REPORT line', function () {
      const report = `REPORT RequestId: ${requestId} Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 256 MB Max Memory Used: 41 MB Init Duration: 85.10 ms`;
      assert.ok(scopesAt(grammar, report, 'REPORT').includes('keyword.other.report.nimbus'));
      assert.ok(scopesAt(grammar, report, requestId).includes('constant.language.request-id.nimbus'));
      for (const [label, value] of [['Duration:', '12.34'], ['Billed Duration', '13'], ['Memory Size', '256'], ['Max Memory Used', '41'], ['Init Duration', '85.10']]) {
        assert.ok(scopesAt(grammar, report, label).includes('support.type.property-name.metric.nimbus'), label);
        assert.ok(scopesAt(grammar, report, ` ${value} `).length === 0 && scopesAt(grammar, report, `${value} `).includes('constant.numeric.metric.nimbus'), value);
      }
      assert.ok(scopesAt(grammar, report, 'MB').includes('keyword.other.unit.nimbus'));
    });

    it('scopes START and END lines', function () {
      const start = `START RequestId: ${requestId} Version: $LATEST`;
      assert.ok(scopesAt(grammar, start, 'START').includes('keyword.other.lifecycle.nimbus'));
      assert.ok(scopesAt(grammar, start, '$LATEST').includes('string.unquoted.version.nimbus'));
      assert.ok(scopesAt(grammar, `END RequestId: ${requestId}`, requestId).includes('constant.language.request-id.nimbus'));
    });

    it('scopes stack frames with and without a function name', function () {
      const named = '    at handler (/work/app/src/thumbnail.ts:12:5)';
      assert.ok(scopesAt(grammar, named, 'handler').includes('entity.name.function.nimbus'));
      assert.ok(scopesAt(grammar, named, '/work').includes('string.unquoted.path.nimbus'));
      assert.ok(scopesAt(grammar, named, '12').includes('constant.numeric.line.nimbus'));
      assert.ok(scopesAt(grammar, named, '5)').includes('constant.numeric.column.nimbus'));
      const anonymous = '    at file:///work/app/src/index.mjs:3:9';
      assert.ok(scopesAt(grammar, anonymous, 'file:').includes('string.unquoted.path.nimbus'));
      assert.ok(!scopesAt(grammar, 'nothing at all here', 'at').includes('keyword.other.at.nimbus'));
    });

    it('scopes the error JSON of a failed invocation', function () {
      const line = '{"errorType":"Error","errorMessage":"boom","stack":"…"}';
      assert.ok(scopesAt(grammar, line, '"Error"').includes('markup.deleted.log.error.nimbus'));
      assert.ok(scopesAt(grammar, line, '"boom"').includes('markup.deleted.log.error.nimbus'));
      assert.ok(!scopesAt(grammar, line, '"stack"').includes('markup.deleted.log.error.nimbus'));
    });
  });

  describe('nimbus-yaml.injection.tmLanguage.json', function () {
    let grammar: IGrammar;

    before(async function () {
      const loaded = await (await textmate()).loadGrammar('source.yaml');
      assert.ok(loaded, 'YAML with the injection loads');
      grammar = loaded;
    });

    it('is a well-formed injection of match rules into YAML', function () {
      const raw = loadGrammar(files['nimbus.yaml.injection']);
      assert.equal(raw.scopeName, 'nimbus.yaml.injection');
      assert.match(raw.injectionSelector ?? '', /source\.yaml/);
      checkStructure(raw);
    });

    it('highlights trigger keys of list items, block and flow style, and nothing else', function () {
      for (const type of ['http', 'storage', 'queue', 'schedule']) {
        assert.ok(scopesAt(grammar, `      - ${type}: { x: 1 }`, type).includes('keyword.control.trigger.nimbus'), type);
      }
      assert.ok(scopesAt(grammar, '      - http:', 'http').includes('keyword.control.trigger.nimbus'));
      assert.deepEqual(scopesAt(grammar, 'protocol: http', 'http'), []);
      assert.deepEqual(scopesAt(grammar, '  http: 1', 'http'), []);
    });

    it('highlights the fields of quoted and plain cron strings', function () {
      const quoted = '      - schedule: { cron: "*/5 * * * *", timezone: UTC }';
      assert.ok(scopesAt(grammar, quoted, 'cron').includes('keyword.other.cron.nimbus'));
      assert.ok(scopesAt(grammar, quoted, '"*/5').includes('string.other.cron.nimbus'));
      assert.ok(scopesAt(grammar, quoted, '*/5').includes('keyword.operator.wildcard.cron.nimbus'));
      assert.ok(scopesAt(grammar, quoted, '5').includes('constant.numeric.cron.nimbus'));
      assert.ok(!scopesAt(grammar, quoted, 'UTC').includes('string.other.cron.nimbus'), 'the cron ends at the comma');

      const plain = '    cron: 30 9 * * MON-FRI   # weekdays';
      assert.ok(scopesAt(grammar, plain, 'MON').includes('constant.language.cron-name.nimbus'));
      assert.ok(scopesAt(grammar, plain, '-FRI').includes('keyword.operator.cron.nimbus'));
      assert.ok(!scopesAt(grammar, plain, 'weekdays').includes('string.other.cron.nimbus'), 'comments stay comments');
      assert.ok(scopesAt(grammar, "cron: '@hourly'", '@hourly').includes('constant.language.cron-nickname.nimbus'));
    });

    it('highlights route parameters in http paths', function () {
      const line = '      - http: { method: GET, path: /thumbs/{id}/{proxy+} }';
      assert.ok(scopesAt(grammar, line, 'id}').includes('variable.parameter.route.nimbus'));
      assert.ok(scopesAt(grammar, line, 'proxy+').includes('variable.parameter.route.nimbus'));
      assert.ok(!scopesAt(grammar, line, 'thumbs').includes('variable.parameter.route.nimbus'));
      assert.ok(scopesAt(grammar, 'path: "/a/{b}"', 'b}').includes('variable.parameter.route.nimbus'));
    });
  });
});
