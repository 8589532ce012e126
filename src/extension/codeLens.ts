// Extension glue: `▶ Invoke | ⏯ Debug | ☁ Deploy | Events…` above each handler export named in a nimbus.yaml, drawn
// with codicons because the editor font may lack the ⏯ and ☁ glyphs.

import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { exportLine } from './models/handlerExports';

export class HandlerCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.subscription = ctx.manifests.onDidChange(() => this.changeEmitter.fire());
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const refs = await this.ctx.manifests.byHandlerFile(document.uri.fsPath);
    const lenses: vscode.CodeLens[] = [];
    for (const ref of refs) {
      const line = exportLine(document.getText(), ref.fn.handlerExport);
      if (line === undefined) continue;
      const range = new vscode.Range(line, 0, line, 0);
      const name = ref.fn.name;
      const several = refs.length > 1 ? ` ${name}` : '';
      lenses.push(
        new vscode.CodeLens(range, { title: `$(play) Invoke${several}`, command: 'nimbus.invoke', arguments: [name], tooltip: `Run ${name} locally with its trigger's sample event` }),
        new vscode.CodeLens(range, { title: '$(debug-alt) Debug', command: 'nimbus.debug', arguments: [name], tooltip: `Debug ${name} with a simulated event` }),
        new vscode.CodeLens(range, { title: '$(cloud-upload) Deploy', command: 'nimbus.deploy', arguments: [name], tooltip: `Deploy ${name} to the connected backend` }),
        new vscode.CodeLens(range, { title: '$(beaker) Events…', command: 'nimbus.openTestEvents', arguments: [name], tooltip: `Open the Test Events panel for ${name}` }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
