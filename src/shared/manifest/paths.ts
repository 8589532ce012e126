// Shared layer: the few path operations the manifest needs, without Node's 'path' so the parser also runs in a browser.

/** The separator a path already uses: backslash for Windows paths like `C:\work`, else '/'. */
function separatorOf(path: string): '/' | '\\' {
  return /^[A-Za-z]:\\/.test(path) || (path.includes('\\') && !path.includes('/')) ? '\\' : '/';
}

export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(path);
}

export function dirname(path: string): string {
  const index = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  if (index < 0) return '.';
  if (index === 0) return path.slice(0, 1);
  // Keep the root of a drive ('C:\') instead of returning 'C:'.
  if (index === 2 && /^[A-Za-z]:/.test(path)) return path.slice(0, 3);
  return path.slice(0, index);
}

export function basename(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const index = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return trimmed.slice(index + 1);
}

/** Joins a relative path onto a base folder, resolving '.' and '..', in the base's own separator style. */
export function joinPath(base: string, relative: string): string {
  if (isAbsolutePath(relative)) return relative;
  const separator = separatorOf(base);
  const rootMatch = /^([A-Za-z]:)?[\\/]/.exec(base);
  const root = rootMatch ? rootMatch[0].replace(/[\\/]$/, separator) : '';
  const parts = base.slice(root.length).split(/[\\/]/).filter((part) => part !== '' && part !== '.');
  for (const part of relative.split(/[\\/]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || root === '') parts.push(part);
  }
  return root + parts.join(separator) || '.';
}

/** The extension of the last segment including its dot ('.ts'), or '' when there is none. */
export function extname(path: string): string {
  const name = basename(path);
  const index = name.lastIndexOf('.');
  return index > 0 ? name.slice(index) : '';
}
