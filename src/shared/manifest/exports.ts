// Shared layer (Node): finds the names a handler module exports — ESM and TypeScript via es-module-lexer, CommonJS via cjs-module-lexer.
import { init as initCommonJsLexer, parse as parseCommonJs } from 'cjs-module-lexer';
import { init as initModuleLexer, parse as parseModule } from 'es-module-lexer';
import { transform } from 'esbuild';
import { extname } from './paths';

export interface ModuleExports {
  /** Export names found in the module itself, as the executor's CommonJS bundle has them ('default' only for a default export). */
  names: string[];
  /** Specifiers whose exports are passed on (`export * from './x'`, `module.exports = require('./x')`). */
  reexports: string[];
  format: 'esm' | 'commonjs';
}

const typeScriptExtensions = new Set(['.ts', '.mts', '.cts', '.tsx']);

export async function listExports(source: string, file: string): Promise<string[]> {
  return (await analyzeExports(source, file)).names;
}

export async function analyzeExports(source: string, file: string): Promise<ModuleExports> {
  const extension = extname(file).toLowerCase();
  let code = source;
  if (typeScriptExtensions.has(extension)) {
    // No output format: types vanish and the module syntax stays as written (ESM exports or exports.x), which the lexers read.
    const result = await transform(source, { loader: extension === '.tsx' ? 'tsx' : 'ts', sourcefile: file, logLevel: 'silent' });
    code = result.code;
  }
  if (extension !== '.cjs') {
    await initModuleLexer();
    const [, exports, , hasModuleSyntax] = parseModule(code, file);
    if (hasModuleSyntax || extension === '.mjs' || extension === '.mts') {
      const names = new Set<string>();
      const reexports: string[] = [];
      for (const entry of exports) {
        if (entry.typeOnly) continue;
        if (entry.type === 'reexport-all') reexports.push(entry.from);
        else names.add(entry.name);
      }
      return { names: [...names], reexports, format: 'esm' };
    }
  }
  // The executor bundles to CommonJS and reads module.exports[name], so a CommonJS file (or a TypeScript file whose
  // exports were all types, which esbuild leaves empty) has a 'default' only when it assigns one itself.
  await initCommonJsLexer();
  const result = parseCommonJs(code, file);
  const names = new Set(result.exports.filter((name) => name !== '__esModule'));
  return { names: [...names], reexports: result.reexports, format: 'commonjs' };
}
