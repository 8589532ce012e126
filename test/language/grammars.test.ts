// Grammar tests: the TextMate grammars in syntaxes/ are well-formed, portable to Oniguruma, and scope sample lines as intended.
// vscode-textmate and vscode-oniguruma are not installed, so a small tokenizer for `match` rules (all these grammars use) stands in.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface Rule {
  name?: string;
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

/** Scopes of each character of `line`, found the TextMate way: at each position the earliest match wins, ties go to the first rule. */
function tokenize(grammar: Grammar, line: string, patterns: Rule[] = grammar.patterns, offset = 0, text = line): string[][] {
  const scopes: string[][] = Array.from({ length: text.length }, () => []);
  const flat = flatten(grammar, patterns);
  let position = 0;
  while (position < text.length) {
    let best: { match: RegExpExecArray; rule: Rule } | undefined;
    for (const rule of flat) {
      const expression = new RegExp(rule.match!, 'gd');
      // Lookbehinds and anchors see the whole line, as Oniguruma does when searching from an offset.
      expression.lastIndex = offset + position;
      const match = expression.exec(line);
      if (match && match.index < offset + text.length && (!best || match.index < best.match.index)) best = { match, rule };
    }
    if (!best) break;
    const { match, rule } = best;
    const start = match.index - offset;
    const end = Math.min(start + match[0].length, text.length);
    for (let index = start; index < end; index++) if (rule.name) scopes[index].push(...rule.name.split(' '));
    for (const [group, capture] of Object.entries(rule.captures ?? {})) {
      const span = match.indices?.[Number(group)];
      if (!span) continue;
      for (let index = span[0] - offset; index < span[1] - offset; index++) if (capture.name) scopes[index].push(...capture.name.split(' '));
      if (capture.patterns) {
        const inner = tokenize(grammar, line, capture.patterns, span[0], line.slice(span[0], span[1]));
        inner.forEach((innerScopes, index) => scopes[span[0] - offset + index].push(...innerScopes));
      }
    }
    position = Math.max(end, start + 1);
  }
  return scopes;
}

function flatten(grammar: Grammar, patterns: Rule[]): Rule[] {
  return patterns.flatMap((rule): Rule[] => {
    if (rule.include) return flatten(grammar, [grammar.repository[rule.include.slice(1)]]);
    if (rule.match) return [rule];
    return flatten(grammar, rule.patterns ?? []);
  });
}

/** Scopes at the first character of `needle` in `line` (its `occurrence`-th appearance). */
function scopesAt(grammar: Grammar, line: string, needle: string, occurrence = 1): string[] {
  let index = -1;
  for (let count = 0; count < occurrence; count++) index = line.indexOf(needle, index + 1);
  assert.ok(index >= 0, `'${needle}' in '${line}'`);
  return tokenize(grammar, line)[index];
}

function checkStructure(grammar: Grammar): void {
  assert.match(grammar.scopeName, /^[a-z]+(\.[a-z-]+)+$/);
  for (const rule of allRules(grammar)) {
    if (rule.include) {
      assert.ok(rule.include.startsWith('#') && grammar.repository[rule.include.slice(1)], `include ${rule.include} resolves`);
    }
    assert.equal(rule.begin ?? rule.end, undefined, 'only match rules (single-line scopes)');
    if (!rule.match) continue;
    assert.doesNotThrow(() => new RegExp(rule.match!), `${rule.match} compiles`);
    // Oniguruma accepts only fixed-length lookbehinds; JavaScript would silently accept more.
    for (const lookbehind of rule.match.matchAll(/\(\?<[=!]((?:[^()\\]|\\.)*)\)/g)) {
      assert.doesNotMatch(lookbehind[1].replace(/\\./g, 'x'), /[*+?]|\{\d+,/, `fixed-length lookbehind in ${rule.match}`);
    }
    assert.doesNotMatch(rule.match, /\(\?[imsx]+\)|\\[hHAzZ]/, `no engine-specific syntax in ${rule.match}`);
  }
}

describe('TextMate grammars', function () {
  describe('nimbus-log.tmLanguage.json', function () {
    const grammar = loadGrammar('syntaxes/nimbus-log.tmLanguage.json');
    const requestId = '3f1c2a9e-8b7d-4c6e-9f01-23456789abcd';

    it('is a well-formed grammar of portable match rules', function () {
      assert.equal(grammar.scopeName, 'text.log.nimbus');
      checkStructure(grammar);
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
    const grammar = loadGrammar('syntaxes/nimbus-yaml.injection.tmLanguage.json');

    it('is a well-formed injection of portable match rules into YAML', function () {
      assert.equal(grammar.scopeName, 'nimbus.yaml.injection');
      assert.match(grammar.injectionSelector ?? '', /source\.yaml/);
      checkStructure(grammar);
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
