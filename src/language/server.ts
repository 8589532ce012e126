// Language layer: the nimbus.yaml language server — wires an LSP connection to analysis, completion, hover, definition and quick fixes.
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  TextDocuments,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type Connection,
  type Diagnostic,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Disposable, toDisposable } from '../shared/disposable';
import type { Logger } from '../shared/logger';
import { checkManifestText, manifestSchema, nodeFileAccess, type FileAccess } from '../shared/manifest';
import { codeActionsFor } from './codeActions';
import { completeManifest } from './completion';
import { defineManifest } from './definition';
import { failureDiagnostic, toLspDiagnostic } from './diagnostics';
import { ExportCache } from './handlerSources';
import { hoverManifest } from './hover';
import { SchemaNavigator, type JsonSchema } from './schemaNavigator';
import { manifestSymbols } from './symbols';
import { parseYaml } from './yamlCursor';

/** Quiet time after the last keystroke before a manifest is validated again (handler checks read files). */
const validationDelayMs = 120;

export interface LanguageServerOptions {
  logger: Logger;
  files?: FileAccess;
}

export class NimbusLanguageServer extends Disposable {
  private readonly documents = new TextDocuments(TextDocument);
  private readonly schema = new SchemaNavigator(manifestSchema as JsonSchema);
  private readonly exports = new ExportCache();
  private readonly pendingValidations = new Map<string, NodeJS.Timeout>();
  private readonly files: FileAccess;
  private readonly logger: Logger;
  private capabilities: ClientCapabilities = {};

  constructor(
    private readonly connection: Connection,
    options: LanguageServerOptions,
  ) {
    super();
    this.logger = options.logger;
    this.files = options.files ?? nodeFileAccess;
    this.register(toDisposable(() => {
      for (const timer of this.pendingValidations.values()) clearTimeout(timer);
      this.pendingValidations.clear();
    }));
  }

  listen(): void {
    const { connection, documents } = this;
    connection.onInitialize((params) => this.initialize(params.capabilities));
    connection.onInitialized(() => this.watchHandlerFiles());
    connection.onShutdown(() => this.dispose());

    documents.onDidChangeContent(({ document }) => this.scheduleValidation(document));
    documents.onDidClose(({ document }) => {
      this.cancelValidation(document.uri);
      if (isManifest(document.uri)) void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    });
    connection.onDidChangeWatchedFiles(() => {
      // Any handler file may be the one a manifest names; re-checking the open manifests is cheap.
      for (const document of documents.all()) this.scheduleValidation(document);
    });

    connection.onCompletion(async ({ textDocument, position }) => {
      const document = this.manifestDocument(textDocument.uri);
      if (!document) return [];
      return completeManifest(
        {
          document,
          root: dirname(fileURLToPath(document.uri)),
          schema: this.schema,
          exports: this.exports,
          snippets: this.capabilities.textDocument?.completion?.completionItem?.snippetSupport ?? false,
        },
        document.offsetAt(position),
      );
    });
    connection.onHover(async ({ textDocument, position }) => {
      const document = this.manifestDocument(textDocument.uri);
      if (!document) return null;
      const environment = { document, yaml: parseYaml(document.getText()), root: rootOf(document), schema: this.schema, files: this.files };
      return (await hoverManifest(environment, document.offsetAt(position))) ?? null;
    });
    connection.onDefinition(async ({ textDocument, position }) => {
      const document = this.manifestDocument(textDocument.uri);
      if (!document) return null;
      const links = this.capabilities.textDocument?.definition?.linkSupport ?? false;
      const environment = { document, yaml: parseYaml(document.getText()), root: rootOf(document), files: this.files, links };
      return (await defineManifest(environment, document.offsetAt(position))) ?? null;
    });
    connection.onDocumentSymbol(({ textDocument }) => {
      const document = this.manifestDocument(textDocument.uri);
      return document ? manifestSymbols(document) : [];
    });
    connection.onCodeAction(async ({ textDocument, context }) => {
      const document = this.manifestDocument(textDocument.uri);
      if (!document) return [];
      const operations = this.capabilities.workspace?.workspaceEdit?.resourceOperations ?? [];
      const environment = {
        document,
        yaml: parseYaml(document.getText()),
        root: rootOf(document),
        files: this.files,
        canCreateFiles: operations.includes('create') && (this.capabilities.workspace?.workspaceEdit?.documentChanges ?? false),
      };
      return codeActionsFor(environment, context.diagnostics);
    });

    documents.listen(connection);
    connection.listen();
  }

  private initialize(capabilities: ClientCapabilities): InitializeResult {
    this.capabilities = capabilities;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['.', '/', ':'] },
        hoverProvider: true,
        definitionProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: { label: 'nimbus.yaml' },
      },
      serverInfo: { name: 'nimbus-language-server' },
    };
  }

  /** Asks the client to report handler source changes, when it can register watchers; otherwise it sends what it watches itself. */
  private watchHandlerFiles(): void {
    if (!this.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) return;
    void this.connection.client
      .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{ts,mts,cts,js,mjs,cjs}' }] })
      .catch((error: unknown) => this.logger.warn('could not register file watchers', { error: String(error) }));
  }

  private manifestDocument(uri: string): TextDocument | undefined {
    return isManifest(uri) ? this.documents.get(uri) : undefined;
  }

  private scheduleValidation(document: TextDocument): void {
    if (!isManifest(document.uri)) return;
    this.cancelValidation(document.uri);
    const timer = setTimeout(() => {
      this.pendingValidations.delete(document.uri);
      void this.validate(document.uri);
    }, validationDelayMs);
    this.pendingValidations.set(document.uri, timer);
  }

  private cancelValidation(uri: string): void {
    clearTimeout(this.pendingValidations.get(uri));
    this.pendingValidations.delete(uri);
  }

  private async validate(uri: string): Promise<void> {
    const document = this.documents.get(uri);
    if (!document) return;
    const version = document.version;
    let diagnostics: Diagnostic[];
    try {
      diagnostics = (await checkManifestText(document.getText(), fileURLToPath(uri), this.files)).diagnostics.map(toLspDiagnostic);
    } catch (error) {
      // Publishing the failure replaces the previous version's diagnostics, which would otherwise stay on screen as if current.
      this.logger.error('validation failed', { uri, error: error instanceof Error ? error.stack : String(error) });
      diagnostics = [failureDiagnostic(error)];
    }
    // A newer edit or a close while handlers were read makes this result stale; the next validation publishes.
    const current = this.documents.get(uri);
    if (!current || current.version !== version || this.pendingValidations.has(uri)) return;
    try {
      await this.connection.sendDiagnostics({ uri, version, diagnostics });
    } catch (error) {
      this.logger.error('could not publish diagnostics', { uri, error: String(error) });
    }
  }
}

/** The server answers for files named nimbus.yaml (DESIGN §7), on disk so that handler paths resolve. */
function isManifest(uri: string): boolean {
  return uri.startsWith('file:') && /^nimbus\.ya?ml$/.test(basename(fileURLToPath(uri)));
}

function rootOf(document: TextDocument): string {
  return dirname(fileURLToPath(document.uri));
}
