// Enforces DESIGN.md §1: only src/extension imports 'vscode'; nothing imports src/extension.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (/\.(ts|mts|cts|js|mjs)$/.test(name)) yield path;
  }
}

const problems = [];
for (const file of walk('src')) {
  const rel = relative('.', file).replaceAll('\\', '/');
  const text = readFileSync(file, 'utf8');
  const inExtension = rel.startsWith('src/extension/');
  if (!inExtension && /(from\s+|require\(\s*|import\(\s*)['"]vscode['"]/.test(text)) {
    problems.push(`${rel}: imports 'vscode' (only src/extension/ may)`);
  }
  if (!inExtension && /['"][./]+(?:\.\.\/)*extension\//.test(text)) {
    problems.push(`${rel}: imports from src/extension/ (arrows point toward src/shared)`);
  }
  if (rel.startsWith('src/shared/') && /from\s+['"]\.\.\/(executor|debug|language|backend|client|cli|webview)\//.test(text)) {
    problems.push(`${rel}: src/shared must not import other layers`);
  }
}
if (problems.length) {
  console.error('Layer rule violations:\n' + problems.map((p) => '  ' + p).join('\n'));
  process.exit(1);
}
console.log('layers: ok');
