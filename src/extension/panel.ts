// Extension glue: the Test Events panel's host side — one webview (strict CSP, nonce) whose messages are validated,
// saved events as files under `.nimbus/events/<function>/<name>.json`, and a serializer that restores it after reload.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { eventTemplate } from '../shared/events';
import { NimbusError, toNimbusError } from '../shared/errors';
import { estimateCost, formatLogLine, formatReport } from '../shared/invocation';
import {
  eventNameProblem,
  parseEventText,
  parseWebviewMessage,
  toPanelResult,
  type HostMessage,
  type PanelFunction,
  type PanelResult,
  type PanelState,
  type SendTarget,
  type WebviewMessage,
} from '../webview/protocol';
import { inEditorTerms, type Ctx } from './ctx';
import type { NimbusDebug, NimbusResultBody } from './debug';
import { invokeLocal, invokeRemote } from './invocations';
import { functionId, type FunctionRef } from './manifests';

export const panelViewType = 'nimbus.testEvents';

export class TestEventsPanels implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** Resolves when the panel's script has started and asked for its data; messages wait for it to keep their order. */
  private ready: Promise<void> = Promise.resolve();
  /** The newest result: a hidden panel's page is gone and drops what is posted, so it gets this again when back. */
  private lastResult: PanelResult | undefined;
  private markReady: () => void = () => undefined;
  private panelDisposables: vscode.Disposable[] = [];
  private selectedId: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly debug: NimbusDebug,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(panelViewType, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const restored = state as Partial<PanelState> | undefined;
          this.selectedId = typeof restored?.functionId === 'string' ? restored.functionId : undefined;
          this.attach(panel);
        },
      }),
      ctx.manifests.onDidChange(() => void this.postFunctions()),
      ctx.backends.onDidChange(() => void this.postFunctions()),
    );
  }

  /** Opens (or reveals) the panel, selecting a function when one is given. Resolves once the panel shows its data. */
  async show(ref?: FunctionRef): Promise<boolean> {
    if (ref) this.selectedId = functionId(ref);
    if (this.panel) {
      this.panel.reveal();
      await this.postFunctions();
    } else {
      this.attach(vscode.window.createWebviewPanel(panelViewType, 'Nimbus Test Events', vscode.ViewColumn.Active, this.webviewOptions()));
    }
    await this.ready;
    return true;
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // Keeping the DOM while hidden costs memory; the webview's own setState keeps its state instead.
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist'), vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    panel.iconPath = vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'nimbus.svg');
    panel.webview.options = this.webviewOptions();
    panel.webview.html = this.html(panel.webview);
    this.panelDisposables = [
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseWebviewMessage(raw);
        if (!message) {
          this.ctx.log.warn('ignored a malformed message from the Test Events panel');
          return;
        }
        void this.handle(message).catch((error: unknown) => {
          const failure = toNimbusError(error);
          // A user's mistake (invalid JSON, a function not deployed) is said in the panel; only faults get a stack.
          if (failure.user) this.ctx.log.warn(`Test Events: ${message.type} failed: ${failure.message}`);
          else this.ctx.log.error(`Test Events: ${message.type} failed`, error instanceof Error ? error.stack ?? error.message : String(error));
          void this.post({ type: 'error', message: inEditorTerms(failure) });
        });
      }),
      panel.onDidDispose(() => {
        this.panelDisposables.forEach((disposable) => disposable.dispose());
        this.panelDisposables = [];
        this.panel = undefined;
      }),
    ];
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'panel.css'));
    const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `img-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Nimbus Test Events</title>
</head>
<body>
<main id="app" aria-label="Nimbus Test Events"></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }

  private async post(message: HostMessage): Promise<boolean> {
    await this.ready;
    return this.panel ? this.panel.webview.postMessage(message) : false;
  }

  private async postFunctions(): Promise<void> {
    if (this.panel) await this.post(await this.functionsMessage());
  }

  private async functionsMessage(): Promise<HostMessage> {
    const refs = await this.ctx.manifests.functions();
    const functions: PanelFunction[] = refs.map((ref) => ({
      id: functionId(ref),
      name: ref.fn.name,
      service: ref.manifest.service,
      triggers: [...new Set(ref.fn.triggers.map((trigger) => trigger.type))],
    }));
    return { type: 'functions', functions, selectedId: this.selectedId, remoteAvailable: this.ctx.backends.current !== undefined };
  }

  private async handle(message: WebviewMessage): Promise<void> {
    if (message.type === 'ready') {
      // The function list goes first, so whatever waited for `ready` arrives after the panel knows its functions.
      await this.panel?.webview.postMessage(await this.functionsMessage());
      if (this.lastResult) await this.panel?.webview.postMessage({ type: 'result', result: this.lastResult } satisfies HostMessage);
      this.markReady();
      return;
    }
    const ref = await this.ctx.manifests.byId(message.functionId);
    if (!ref) throw new NimbusError('FUNCTION_NOT_FOUND', 'That function is no longer in the workspace; pick another one.');
    this.selectedId = message.functionId;
    switch (message.type) {
      case 'selectFunction':
        await this.postSaved(ref);
        return;
      case 'template':
        await this.post({ type: 'eventText', functionId: message.functionId, eventText: JSON.stringify(eventTemplate(ref.fn, message.trigger), null, 2) });
        return;
      case 'send':
        await this.send(ref, message.target, message.eventText);
        return;
      case 'saveEvent': {
        const event = this.parseEvent(message.eventText);
        const file = this.eventFile(ref, message.name);
        if (!(await this.mayReplace(ref, file, message.name))) return;
        await mkdir(join(file, '..'), { recursive: true });
        // Written beside, then renamed: a reader (git, a file watcher, a teammate's editor) never sees half a file.
        const partial = `${file}.${randomBytes(4).toString('hex')}.tmp`;
        await writeFile(partial, JSON.stringify(event, null, 2) + '\n');
        await rename(partial, file);
        await this.postSaved(ref);
        void vscode.window.setStatusBarMessage(`Saved ${vscode.workspace.asRelativePath(file)}`, 3000);
        return;
      }
      case 'loadEvent': {
        const event = await this.readSavedEvent(ref, message.name);
        await this.post({ type: 'eventText', functionId: message.functionId, name: message.name, eventText: JSON.stringify(event, null, 2) });
        return;
      }
      case 'renameEvent': {
        const target = this.eventFile(ref, message.to);
        if (message.to !== message.from && !(await this.mayReplace(ref, target, message.to))) {
          // The panel took the new name already: it goes back to the event under its old one.
          const event = await this.readSavedEvent(ref, message.from);
          await this.post({ type: 'eventText', functionId: message.functionId, name: message.from, eventText: JSON.stringify(event, null, 2) });
          return;
        }
        await rename(this.eventFile(ref, message.from), target);
        await this.postSaved(ref);
        return;
      }
      case 'deleteEvent': {
        const answer = await vscode.window.showWarningMessage(`Delete the saved event "${message.name}" of ${ref.fn.name}?`, { modal: true }, 'Delete');
        if (answer !== 'Delete') return;
        await rm(this.eventFile(ref, message.name));
        await this.postSaved(ref);
        return;
      }
    }
  }

  /** Saved events are files a team shares: one is replaced only when the user says so (as Delete asks first). */
  private async mayReplace(ref: FunctionRef, file: string, name: string): Promise<boolean> {
    if (!(await stat(file).then(() => true, () => false))) return true;
    const answer = await vscode.window.showWarningMessage(`${ref.fn.name} already has a saved event "${name}". Replace it?`, { modal: true }, 'Replace');
    return answer === 'Replace';
  }

  private parseEvent(text: string): unknown {
    const parsed = parseEventText(text);
    if (!parsed.ok) throw new NimbusError('EVENT_INVALID', parsed.message);
    return parsed.event;
  }

  private async send(ref: FunctionRef, target: SendTarget, eventText: string): Promise<PanelResult> {
    const event = this.parseEvent(eventText);
    await this.post({ type: 'busy', target });
    try {
      const result = await this.run(ref, target, event);
      this.lastResult = result;
      await this.post({ type: 'result', result });
      return result;
    } finally {
      await this.post({ type: 'busy', target: undefined });
    }
  }

  /** What the Send/Debug/Send to Deployed buttons do, for callers outside the webview (other extensions, tests). */
  async sendEvent(ref: FunctionRef, target: SendTarget, event: unknown): Promise<PanelResult> {
    const eventText = JSON.stringify(event, null, 2);
    if (this.selectedId !== functionId(ref)) {
      this.selectedId = functionId(ref);
      await this.postFunctions();
    }
    await this.post({ type: 'eventText', functionId: functionId(ref), eventText });
    return this.send(ref, target, eventText);
  }

  /** Runs the event where the button said and converts the outcome into what the panel shows. */
  private async run(ref: FunctionRef, target: SendTarget, event: unknown): Promise<PanelResult> {
    const now = new Date().toISOString();
    if (target === 'local') {
      const result = await invokeLocal(this.ctx, ref, event);
      return toPanelResult(result, target, result.logs.map(formatLogLine), formatReport(result.report), now);
    }
    if (target === 'remote') {
      const response = await invokeRemote(this.ctx, ref.fn.name, event);
      return toPanelResult(response, target, response.logs.map(formatLogLine), formatReport(response.report), now);
    }
    const body = await this.debug.invoke(ref, event);
    return toPanelResult(this.fromDebugResult(ref, body), target, body.logs ?? ['(the function\'s output is in the Debug Console)'], undefined, now);
  }

  private fromDebugResult(ref: FunctionRef, body: NimbusResultBody) {
    const memorySizeMB = body.memorySizeMB ?? ref.fn.memory;
    const report = {
      requestId: body.requestId,
      durationMs: body.durationMs,
      billedMs: body.billedMs,
      memorySizeMB,
      maxMemoryUsedMB: body.maxMemoryMB,
      initDurationMs: body.initDurationMs,
      costUsd: body.costUsd ?? estimateCost(body.billedMs, memorySizeMB, this.ctx.config.prices),
    };
    return { requestId: body.requestId, functionName: ref.fn.name, result: body.result, error: body.error, report, coldStart: body.initDurationMs !== undefined };
  }

  private async postSaved(ref: FunctionRef): Promise<void> {
    await this.post({ type: 'savedEvents', functionId: functionId(ref), names: await this.savedEvents(ref) });
  }

  private eventsFolder(ref: FunctionRef): string {
    return join(ref.manifest.root, '.nimbus', 'events', ref.fn.name);
  }

  private eventFile(ref: FunctionRef, name: string): string {
    const problem = eventNameProblem(name);
    if (problem) throw new NimbusError('USAGE', `"${name}" cannot name an event. ${problem}`);
    return join(this.eventsFolder(ref), `${name}.json`);
  }

  /** Names of the function's saved events (team-shared files, so they may change under us: read each time). */
  async savedEvents(ref: FunctionRef): Promise<string[]> {
    try {
      const files = await readdir(this.eventsFolder(ref));
      return files.filter((file) => file.endsWith('.json')).map((file) => file.slice(0, -'.json'.length)).sort();
    } catch {
      return [];
    }
  }

  async readSavedEvent(ref: FunctionRef, name: string): Promise<unknown> {
    const file = this.eventFile(ref, name);
    const parsed = parseEventText(await readFile(file, 'utf8'));
    if (!parsed.ok) throw new NimbusError('EVENT_INVALID', `${vscode.workspace.asRelativePath(file)}: ${parsed.message}`);
    return parsed.event;
  }

  dispose(): void {
    this.panel?.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }
}
