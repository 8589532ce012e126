// Test support: a real LSP client over stdio driving the built dist/languageServer.js, as an editor would.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DocumentSymbolRequest,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
  type CodeAction,
  type Command,
  type CompletionItem,
  type CompletionList,
  type Definition,
  type DocumentSymbol,
  type Diagnostic,
  type FileEvent,
  type Hover,
  type LocationLink,
  type Position,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Registration,
} from 'vscode-languageserver/node';

export const serverBundle = resolve('dist/languageServer.js');

/** Bundles src/language/main.ts exactly as scripts/build.mjs does, so the suite runs against current sources. */
export async function buildLanguageServer(): Promise<void> {
  await build({
    entryPoints: { languageServer: 'src/language/main.ts' },
    outdir: 'dist',
    bundle: true,
    sourcemap: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['esbuild', 'better-sqlite3'],
    logLevel: 'warning',
  });
}

const waitLimitMs = 8000;

export class LanguageServerClient {
  readonly registrations: Registration[] = [];
  private readonly published: PublishDiagnosticsParams[] = [];
  private readonly diagnosticListeners = new Set<() => void>();
  private versions = new Map<string, number>();

  private constructor(
    private readonly child: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.published.push(params);
      for (const listener of [...this.diagnosticListeners]) listener();
    });
    connection.onRequest(RegistrationRequest.type, (params) => {
      this.registrations.push(...params.registrations);
    });
  }

  static async start(rootFolder: string): Promise<LanguageServerClient> {
    const child = spawn(process.execPath, [serverBundle, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new LanguageServerClient(child, connection);
    connection.listen();
    await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(rootFolder).href,
      workspaceFolders: null,
      capabilities: {
        textDocument: {
          completion: { completionItem: { snippetSupport: true } },
          definition: { linkSupport: false },
          publishDiagnostics: { versionSupport: true },
        },
        workspace: {
          workspaceEdit: { documentChanges: true, resourceOperations: ['create'] },
          didChangeWatchedFiles: { dynamicRegistration: true },
        },
      },
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  async open(uri: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: 1, text },
    });
  }

  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async filesChanged(changes: FileEvent[]): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
  }

  /** The first diagnostics published for `uri` after `since` (a count from `publishedCount`) that satisfy `accept`. */
  async diagnostics(uri: string, accept: (diagnostics: Diagnostic[]) => boolean = () => true, since = 0): Promise<Diagnostic[]> {
    const find = () => this.published.slice(since).find((params) => params.uri === uri && accept(params.diagnostics));
    const found = find();
    if (found) return found.diagnostics;
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.diagnosticListeners.delete(listener);
        const last = this.published.filter((params) => params.uri === uri).at(-1);
        reject(new Error(`no matching diagnostics for ${uri} within ${waitLimitMs} ms; last: ${JSON.stringify(last?.diagnostics)}`));
      }, waitLimitMs);
      const listener = () => {
        const match = find();
        if (!match) return;
        clearTimeout(timer);
        this.diagnosticListeners.delete(listener);
        resolvePromise(match.diagnostics);
      };
      this.diagnosticListeners.add(listener);
    });
  }

  get publishedCount(): number {
    return this.published.length;
  }

  async completion(uri: string, position: Position): Promise<CompletionItem[]> {
    const result: CompletionItem[] | CompletionList | null = await this.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position,
    });
    if (!result) return [];
    return Array.isArray(result) ? result : result.items;
  }

  async hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  async definition(uri: string, position: Position): Promise<Definition | LocationLink[] | null> {
    return this.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position });
  }

  async symbols(uri: string): Promise<DocumentSymbol[]> {
    return ((await this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) ?? []) as DocumentSymbol[];
  }

  async codeActions(uri: string, diagnostics: Diagnostic[]): Promise<(CodeAction | Command)[]> {
    const range = diagnostics[0]?.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return (await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } })) ?? [];
  }

  /** Shuts the server down the LSP way and waits for the process; kills it if it does not leave in time. */
  async stop(): Promise<void> {
    const exited = this.child.exitCode !== null ? Promise.resolve() : once(this.child, 'exit').then(() => undefined);
    try {
      await Promise.race([this.connection.sendRequest(ShutdownRequest.type), delay(2000)]);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // The server is already gone; the kill below covers it.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolvePromise) => setTimeout(resolvePromise, ms).unref());
}

/** Offset-free way to point at text in a fixture: the position of the `occurrence`-th `needle`, plus `shift` characters. */
export function positionOf(text: string, needle: string, shift = 0, occurrence = 1): Position {
  let index = -1;
  for (let count = 0; count < occurrence; count++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`'${needle}' not found in fixture`);
  }
  const offset = index + shift;
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}
