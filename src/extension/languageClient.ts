// Extension glue: starts the nimbus.yaml language server (dist/languageServer.js) the first time a nimbus.yaml is open.

import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import type { Ctx } from './ctx';

const isManifest = (document: vscode.TextDocument) => document.uri.scheme === 'file' && /(^|[\\/])nimbus\.yaml$/.test(document.uri.fsPath);

export class ManifestLanguageClient implements vscode.Disposable {
  private client: Promise<LanguageClient> | undefined;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    // Starting a server process is the costliest thing the extension does, so it waits for a manifest to be open.
    this.subscription = vscode.workspace.onDidOpenTextDocument((document) => {
      if (isManifest(document)) void this.start();
    });
    if (vscode.workspace.textDocuments.some(isManifest)) void this.start();
  }

  start(): Promise<LanguageClient> {
    this.client ??= this.create().catch((error: unknown) => {
      // A failed start (no server bundle, a crash) may be retried by the next manifest opened.
      this.client = undefined;
      throw error;
    });
    return this.client;
  }

  private async create(): Promise<LanguageClient> {
    // Loaded on first use from its own bundle beside this one (see languageClientLib.ts): activation does not pay for it.
    const { LanguageClient, TransportKind } = require(join(__dirname, 'languageClientLib.js')) as typeof import('./languageClientLib');
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
    const client = new LanguageClient('nimbus.languageServer', 'Nimbus Manifest Language Server', serverOptions, clientOptions);
    await client.start();
    return client;
  }

  dispose(): void {
    this.subscription.dispose();
    void this.client?.then((client) => client.dispose(), () => undefined);
  }
}
