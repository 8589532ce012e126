// Language layer: the handler source files next to a manifest — reading them, listing candidates, finding an export's declaration, templates for new ones.
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { handlerExtensions as sharedHandlerExtensions, listExports, nodeFileAccess } from '../shared/manifest';

const handlerExtensions: readonly string[] = sharedHandlerExtensions;

// Folders that never hold handlers and can be large; walking them would make completion slow.
const skippedFolders = new Set(['node_modules', 'dist', 'out', 'build', 'coverage']);
const maxListedFiles = 500;
const maxDepth = 8;

/** Source files under `root` that could be handlers, as '/'-separated paths relative to `root`, sorted. */
export async function listHandlerCandidates(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string, depth: number): Promise<void> => {
    if (depth > maxDepth || found.length >= maxListedFiles) return;
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= maxListedFiles) return;
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) await walk(path, depth + 1);
      } else if (entry.isFile() && isHandlerSource(entry.name)) {
        found.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  await walk(root, 0);
  return found.sort();
}

/** Export names per file, reused while the file's modification time stays the same (completion asks often). */
export class ExportCache {
  private readonly entries = new Map<string, { modified: number; exports: string[] }>();

  async exportsOf(file: string): Promise<string[]> {
    let modified: number;
    try {
      modified = (await stat(file)).mtimeMs;
    } catch {
      this.entries.delete(file);
      return [];
    }
    const cached = this.entries.get(file);
    if (cached && cached.modified === modified) return cached.exports;
    let exports: string[] = [];
    try {
      const source = await nodeFileAccess.readFile(file);
      if (source !== undefined) exports = (await listExports(source, file)).filter((name) => name !== '__esModule');
    } catch {
      // An unreadable file or one with syntax errors offers no exports until it is fixed.
    }
    this.entries.set(file, { modified, exports });
    return exports;
  }
}

function isHandlerSource(name: string): boolean {
  return handlerExtensions.includes(extname(name)) && !/\.d\.[mc]?ts$/.test(name) && !/\.(test|spec)\.[mc]?[jt]s$/.test(name);
}

/** `src/thumbnail.ts` → `src/thumbnail`: how a handler names its file. */
export function withoutExtension(path: string): string {
  const extension = extname(path);
  return handlerExtensions.includes(extension) ? path.slice(0, -extension.length) : path;
}

export interface DeclarationSpan {
  /** Offsets of the declared name (or of `export default`) in the source. */
  start: number;
  end: number;
}

/**
 * Where `exportName` is declared in a handler's source. A textual search rather than a parse: it must work on
 * TypeScript and CommonJS alike without a compiler, and a declaration is what the user wants to land on.
 */
export function findExportDeclaration(source: string, exportName: string): DeclarationSpan | undefined {
  const name = escapeRegExp(exportName);
  if (exportName === 'default') {
    const match = /\bexport\s+default\b/.exec(source) ?? /\bmodule\.exports\s*=/.exec(source);
    if (match) return { start: match.index, end: match.index + match[0].length };
  }
  const direct = [
    new RegExp(`\\bexport\\s+(?:declare\\s+)?(?:async\\s+)?function\\s*\\*?\\s*(${name})\\b`),
    new RegExp(`\\bexport\\s+(?:declare\\s+)?(?:const|let|var|(?:abstract\\s+)?class)\\s+(${name})\\b`),
    new RegExp(`\\b(?:module\\.)?exports\\.(${name})\\s*=`),
    new RegExp(`\\bmodule\\.exports\\s*=\\s*\\{[^}]*?\\b(${name})\\b`),
  ];
  for (const pattern of direct) {
    const span = groupSpan(pattern.exec(source));
    if (span) return span;
  }
  // `export { local as name }` or `export { name }`: land on the local declaration, else on the export list.
  const renamed = new RegExp(`\\bexport\\s*\\{[^}]*?\\b([\\w$]+)\\s+as\\s+(${name})\\b`).exec(source);
  const listed = renamed ?? new RegExp(`\\bexport\\s*\\{[^}]*?\\b(${name})\\b`).exec(source);
  if (listed) {
    const local = escapeRegExp(listed[1]);
    const declaration = new RegExp(`\\b(?:(?:async\\s+)?function\\s*\\*?|const|let|var|class)\\s+(${local})\\b`).exec(source);
    return groupSpan(declaration) ?? groupSpan(listed, renamed ? 2 : 1);
  }
  return undefined;
}

function groupSpan(match: RegExpExecArray | null, group = 1): DeclarationSpan | undefined {
  if (!match) return undefined;
  const start = match.index + match[0].lastIndexOf(match[group]);
  return { start, end: start + match[group].length };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Which file a quick fix creates for a handler path: its own extension if it has one, else .ts in a TypeScript project. */
export function newHandlerFile(root: string, handlerPath: string): string {
  if (handlerExtensions.includes(extname(handlerPath))) return handlerPath;
  return handlerPath + (existsSync(join(root, 'tsconfig.json')) ? '.ts' : '.js');
}

/** Source of one exported handler in the module style its file uses (CommonJS for .cjs or files that already use `exports`). */
export function exportTemplate(file: string, exportName: string, existingSource = ''): string {
  const typescript = /\.[mc]?ts$/.test(file);
  const commonJs = file.endsWith('.cjs') || (!typescript && /\b(?:module\.)?exports\b/.test(existingSource) && !/\bexport\s/.test(existingSource));
  const parameters = typescript ? 'event: unknown, context: { awsRequestId: string }' : 'event, context';
  const body = [
    `  console.log(\`request \${context.awsRequestId}\`, JSON.stringify(event));`,
    '  return { ok: true };',
  ].join('\n');
  if (commonJs) {
    const target = exportName === 'default' ? 'module.exports' : `exports.${exportName}`;
    return `${target} = async (${parameters}) => {\n${body}\n};\n`;
  }
  if (exportName === 'default') return `export default async function (${parameters}) {\n${body}\n}\n`;
  return `export async function ${exportName}(${parameters}) {\n${body}\n}\n`;
}

/** The whole text of a new handler file for a function. */
export function handlerFileTemplate(file: string, exportName: string, functionName: string): string {
  return `// Handler of the \`${functionName}\` function in nimbus.yaml.\n\n${exportTemplate(file, exportName)}`;
}
