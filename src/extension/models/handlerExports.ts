// Extension model (no 'vscode'): where a handler export is declared in its source, for the code lenses above it.

/** 0-based line of the declaration of `exportName` (or of the default export), or undefined when not found. */
export function exportLine(source: string, exportName: string): number | undefined {
  const name = exportName.replace(/[$]/g, '\\$');
  const patterns =
    exportName === 'default'
      ? [/^\s*export\s+default\b/]
      : [
          new RegExp(`^\\s*export\\s+(?:async\\s+)?function\\s*\\*?\\s*${name}\\b`),
          new RegExp(`^\\s*export\\s+(?:const|let|var)\\s+${name}\\b`),
          new RegExp(`^\\s*export\\s*\\{[^}]*\\b${name}\\b[^}]*\\}`),
          new RegExp(`^\\s*(?:module\\.)?exports\\.${name}\\s*=`),
        ];
  const lines = source.split(/\r?\n/);
  for (const pattern of patterns) {
    const index = lines.findIndex((line) => pattern.test(line));
    if (index >= 0) return index;
  }
  // A web-standard `fetch` handler may be the default export (DESIGN §3).
  return exportName === 'fetch' ? exportLine(source, 'default') : undefined;
}
