// Extension glue: starts the nimbus.yaml language server (dist/languageServer.js) the first time a nimbus.yaml is open.

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { Ctx } from './ctx';

const isManifest = (document: vscode.TextDocument) => document.uri.scheme === 'file' && /(^|[\\/])nimbus\.yaml$/.test(document.uri.fsPath);

export class ManifestLanguageClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    // Starting a server process is the costliest thing the extension does, so it waits for a manifest to be open.
    this.subscription = vscode.workspace.onDidOpenTextDocument((document) => {
      if (isManifest(document)) void this.start();
    });
    if (vscode.workspace.textDocuments.some(isManifest)) void this.start();
  }

  async start(): Promise<LanguageClient> {
    if (this.client) return this.client;
    const module = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'languageServer.js').fsPath;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', pattern: '**/nimbus.yaml' }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{ts,js,mjs,cjs,mts,cts}') },
      outputChannel: this.ctx.log,
    };
    this.client = new LanguageClient('nimbus.languageServer', 'Nimbus Manifest Language Server', serverOptions, clientOptions);
    await this.client.start();
    return this.client;
  }

  dispose(): void {
    this.subscription.dispose();
    void this.client?.dispose();
  }
}
