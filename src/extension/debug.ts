// Extension glue: debug type `nimbus` — the debug adapter run inline in the extension host, a configuration provider
// that offers one configuration per function (F5 without launch.json), and sending events into a live session.

import { join } from 'node:path';
import * as vscode from 'vscode';
import { NimbusError } from '../shared/errors';
import type { FunctionErrorPayload } from '../shared/invocation';
import { loadManifest } from '../shared/manifest';
import type { Ctx } from './ctx';
import type { FunctionRef } from './manifests';

export const debugType = 'nimbus';

/** Body of the adapter's custom `nimbusResult` event (DESIGN §5). */
export interface NimbusResultBody {
  requestId: string;
  result?: unknown;
  error?: FunctionErrorPayload;
  durationMs: number;
  initDurationMs?: number;
  billedMs: number;
  maxMemoryMB: number;
  memorySizeMB?: number;
  costUsd?: number;
  logs?: string[];
}

/** How long a debugged invocation may take, paused time included; generous because a person is stepping. */
const debugResultTimeoutMs = 30 * 60 * 1000;

export function launchConfiguration(ref: FunctionRef, event?: { event?: unknown; trigger?: string }): vscode.DebugConfiguration {
  const trigger = event?.trigger ?? ref.fn.triggers[0]?.type;
  return {
    type: debugType,
    request: 'launch',
    name: `Debug ${ref.fn.name}`,
    manifest: ref.manifest.path,
    function: ref.fn.name,
    ...(event?.event !== undefined ? { event: event.event } : trigger ? { trigger } : { event: {} }),
  };
}

export class NimbusDebug implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly resultEmitter = new vscode.EventEmitter<{ session: vscode.DebugSession; body: NimbusResultBody }>();
  /** Running `nimbus` sessions: the API lists only the active one. */
  private readonly sessions = new Set<vscode.DebugSession>();

  constructor(private readonly ctx: Ctx) {
    this.disposables.push(
      this.resultEmitter,
      vscode.debug.registerDebugAdapterDescriptorFactory(debugType, {
        createDebugAdapterDescriptor: (session) => this.inlineAdapter(session),
      }),
      vscode.debug.registerDebugConfigurationProvider(debugType, this.initialProvider(), vscode.DebugConfigurationProviderTriggerKind.Initial),
      vscode.debug.registerDebugConfigurationProvider(debugType, this.dynamicProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
      vscode.debug.onDidStartDebugSession((session) => {
        if (session.type === debugType) this.sessions.add(session);
      }),
      vscode.debug.onDidTerminateDebugSession((session) => this.sessions.delete(session)),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((event) => {
        if (event.session.type === debugType && event.event === 'nimbusResult') this.resultEmitter.fire({ session: event.session, body: event.body as NimbusResultBody });
      }),
    );
  }

  /**
   * The adapter runs in the extension host, as js-debug does: a Debug click spawns only the function's process, not an
   * adapter process that would load its bundle first (≈120 ms per session), and the function's instance starts as
   * the session is created, before VS Code sends the launch request. The instance runs with the editor's Nimbus
   * settings, as a local invoke does.
   */
  private inlineAdapter(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const { NimbusDebugSession } = this.adapterLibrary();
    const { sandbox, nodePath, prices } = this.ctx.config;
    const adapter = new NimbusDebugSession({
      logger: this.ctx.logger(),
      cwd: session.workspaceFolder?.uri.fsPath,
      executor: { sandbox, nodePath, prices, bundle: (fn) => this.ctx.executor().bundle(fn) },
      loadManifest,
    });
    if (session.configuration.request === 'launch') adapter.prepareLaunch(session.configuration);
    return new vscode.DebugAdapterInlineImplementation(adapter);
  }

  /**
   * The adapter's own bundle (see debugAdapterLib.ts), loaded on first use so that activation does not pay for it;
   * the warm-up loads it ahead of a first session while a handler file is open.
   */
  adapterLibrary(): typeof import('./debugAdapterLib') {
    return require(join(__dirname, 'debugAdapterLib.js')) as typeof import('./debugAdapterLib');
  }

  /** launch.json: one configuration per function of the workspace. */
  private initialProvider(): vscode.DebugConfigurationProvider {
    return {
      provideDebugConfigurations: async (folder) => {
        const refs = await this.ctx.manifests.functions();
        return refs.map((ref) => {
          const config = launchConfiguration(ref);
          if (folder) config.manifest = `\${workspaceFolder}/${vscode.workspace.asRelativePath(ref.manifest.path, false)}`;
          return config;
        });
      },
      // F5 with no launch.json arrives here with an empty configuration: debug the function of the active handler file,
      // or ask which one.
      resolveDebugConfiguration: async (_folder, config) => {
        if (config.type && config.request) return config;
        const ref = await this.pickFunction();
        return ref ? launchConfiguration(ref) : undefined;
      },
    };
  }

  /** The Run and Debug view's dropdown lists "Debug <function>" for each function without any launch.json. */
  private dynamicProvider(): vscode.DebugConfigurationProvider {
    return { provideDebugConfigurations: async () => (await this.ctx.manifests.functions()).map((ref) => launchConfiguration(ref)) };
  }

  private async pickFunction(): Promise<FunctionRef | undefined> {
    const refs = await this.ctx.manifests.functions();
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    const forFile = refs.filter((ref) => ref.fn.handlerFile === active);
    if (forFile.length === 1) return forFile[0];
    if (refs.length === 1) return refs[0];
    const choice = await vscode.window.showQuickPick(
      (forFile.length ? forFile : refs).map((ref) => ({ label: ref.fn.name, description: ref.fn.handler, ref })),
      { title: 'Debug which function?' },
    );
    return choice?.ref;
  }

  start(ref: FunctionRef, event?: { event?: unknown; trigger?: string }): Thenable<boolean> {
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(ref.manifest.path));
    return vscode.debug.startDebugging(folder, launchConfiguration(ref, event));
  }

  /** A live `nimbus` session of this function, if one runs. */
  sessionFor(ref: FunctionRef): vscode.DebugSession | undefined {
    const sessions = [vscode.debug.activeDebugSession, ...this.sessions].filter((session): session is vscode.DebugSession => session !== undefined);
    return sessions.find(
      (session) => session.type === debugType && session.configuration.function === ref.fn.name && session.configuration.manifest === ref.manifest.path,
    );
  }

  /**
   * Sends an event under the debugger: into the function's live session with `nimbusInvoke` (breakpoints hit again,
   * no restart), or by starting one. Resolves with the adapter's `nimbusResult`.
   */
  async invoke(ref: FunctionRef, event: unknown): Promise<NimbusResultBody> {
    const existing = this.sessionFor(ref);
    const result = new Promise<NimbusResultBody>((resolve, reject) => {
      let session = existing;
      const timer = setTimeout(() => {
        subscriptions.forEach((subscription) => subscription.dispose());
        reject(new NimbusError('FUNCTION_TIMEOUT', `No result from the debug session of ${ref.fn.name} within ${debugResultTimeoutMs / 60000} minutes.`));
      }, debugResultTimeoutMs);
      const finish = () => {
        clearTimeout(timer);
        subscriptions.forEach((subscription) => subscription.dispose());
      };
      const subscriptions = [
        vscode.debug.onDidStartDebugSession((started) => {
          if (!session && started.type === debugType && started.configuration.function === ref.fn.name) session = started;
        }),
        this.resultEmitter.event(({ session: from, body }) => {
          if (session && from.id !== session.id) return;
          finish();
          resolve(body);
        }),
        vscode.debug.onDidTerminateDebugSession((ended) => {
          if (session && ended.id === session.id) {
            finish();
            reject(new NimbusError('FUNCTION_CRASHED', `The debug session of ${ref.fn.name} ended before the function returned.`));
          }
        }),
      ];
    });
    if (existing) {
      await existing.customRequest('nimbusInvoke', { event });
    } else if (!(await this.start(ref, { event }))) {
      throw new NimbusError('DEBUG_ATTACH_FAILED', `Could not start debugging ${ref.fn.name}; see the Debug Console.`);
    }
    return result;
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
