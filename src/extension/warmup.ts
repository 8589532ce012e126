// Extension glue: gets the first Debug, Invoke or Send of a handler ready while its file is open. Once a handler file
// has been the active editor for a moment, its functions are bundled (esbuild's service starts and the bundle cache
// fills) and the debug adapter's bundle is loaded, so the click that follows waits for neither (a first build took
// 0.05–0.7 s in the web workbench, the longer while VS Code's TypeScript server analyses the same file).

import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import type { NimbusDebug } from './debug';

/** How long a handler file must stay the active editor: browsing through files starts no builds. */
const settleMs = 500;

export class HandlerWarmup implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly ctx: Ctx,
    private readonly debug: NimbusDebug,
  ) {
    this.subscription = vscode.window.onDidChangeActiveTextEditor((editor) => this.schedule(editor));
    this.schedule(vscode.window.activeTextEditor);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.subscription.dispose();
  }

  private schedule(editor: vscode.TextEditor | undefined): void {
    clearTimeout(this.timer);
    const uri = editor?.document.uri;
    if (uri?.scheme !== 'file') return;
    this.timer = setTimeout(() => void this.warm(uri.fsPath), settleMs);
  }

  private async warm(file: string): Promise<void> {
    const refs = await this.ctx.manifests.byHandlerFile(file);
    if (!refs.length) return;
    this.debug.adapterLibrary();
    // A handler that does not build yet says so when it is run; warming up stays silent.
    await Promise.all(refs.map((ref) => this.ctx.executor().bundle(ref.fn).catch(() => undefined)));
  }
}
