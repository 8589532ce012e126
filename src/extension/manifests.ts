// Extension glue: every nimbus.yaml of the workspace, parsed on first use and re-read when one changes on disk.

import * as vscode from 'vscode';
import { checkManifestText, type FunctionSpec, type Manifest, type ManifestDiagnostic } from '../shared/manifest';

export interface FunctionRef {
  manifest: Manifest;
  fn: FunctionSpec;
}

/** `<manifest path>#<function>`: identifies a function across a workspace with several manifests. */
export function functionId(ref: FunctionRef): string {
  return `${ref.manifest.path}#${ref.fn.name}`;
}

/**
 * Context keys for `when` clauses: `nimbus.hasManifest`, and `nimbus.handlerFiles` (the handler files' paths) so that
 * F5 in a handler file with no launch configuration debugs its function instead of asking which debugger to use.
 */
function publishContext(manifests: readonly Manifest[]): void {
  const handlerFiles = [...new Set(manifests.flatMap((manifest) => manifest.functions.map((fn) => fn.handlerFile)))];
  void vscode.commands.executeCommand('setContext', 'nimbus.hasManifest', manifests.length > 0);
  void vscode.commands.executeCommand('setContext', 'nimbus.handlerFiles', handlerFiles);
}

/** A nimbus.yaml that does not parse into a manifest, with its errors (what the views say instead of its functions). */
export interface BrokenManifest {
  path: string;
  diagnostics: ManifestDiagnostic[];
}

export class WorkspaceManifests implements vscode.Disposable {
  private loading: Promise<Manifest[]> | undefined;
  private brokenManifests: BrokenManifest[] = [];
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter];
  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/nimbus.yaml');
    this.disposables.push(watcher, watcher.onDidCreate(() => this.invalidate()), watcher.onDidChange(() => this.invalidate()), watcher.onDidDelete(() => this.invalidate()));
  }

  invalidate(): void {
    this.loading = undefined;
    this.changeEmitter.fire();
  }

  /** Manifests that parse; broken ones are left to the language server's diagnostics. */
  all(): Promise<Manifest[]> {
    this.loading ??= this.load().then((manifests) => {
      publishContext(manifests);
      return manifests;
    });
    return this.loading;
  }

  /** The nimbus.yaml files of the last load that have errors. */
  async broken(): Promise<BrokenManifest[]> {
    await this.all();
    return this.brokenManifests;
  }

  async functions(): Promise<FunctionRef[]> {
    return (await this.all()).flatMap((manifest) => manifest.functions.map((fn) => ({ manifest, fn })));
  }

  async byId(id: string): Promise<FunctionRef | undefined> {
    return (await this.functions()).find((ref) => functionId(ref) === id);
  }

  async byName(name: string): Promise<FunctionRef | undefined> {
    return (await this.functions()).find((ref) => ref.fn.name === name);
  }

  /** Functions whose handler is this file. */
  async byHandlerFile(file: string): Promise<FunctionRef[]> {
    return (await this.functions()).filter((ref) => ref.fn.handlerFile === file);
  }

  private async load(): Promise<Manifest[]> {
    const files = await vscode.workspace.findFiles('**/nimbus.yaml', '{**/node_modules/**,**/.nimbus/**}');
    const manifests: Manifest[] = [];
    const broken: BrokenManifest[] = [];
    for (const file of files.sort((left, right) => left.fsPath.localeCompare(right.fsPath))) {
      let text: string;
      try {
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      } catch {
        // Deleted between the search and the read (the file index lags behind the disk).
        continue;
      }
      // Checking the handlers also resolves each handler's file with its extension, which the views and lenses need.
      const parsed = await checkManifestText(text, file.fsPath);
      if (parsed.manifest) manifests.push(parsed.manifest);
      else {
        this.log.warn(`${file.fsPath} has errors; its functions are not listed until they are fixed`);
        broken.push({ path: file.fsPath, diagnostics: parsed.diagnostics.filter((diagnostic) => diagnostic.severity === 'error') });
      }
    }
    this.brokenManifests = broken;
    return manifests;
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
