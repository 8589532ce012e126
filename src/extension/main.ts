// Extension entry point: wires the Ctx, views, commands, debugging, code lenses, the panel and the language client.
// Everything here only registers; processes (executor instances, backend, language server) start on first use.

import * as vscode from 'vscode';
import { HandlerCodeLensProvider } from './codeLens';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { NimbusDebug } from './debug';
import { ManifestLanguageClient } from './languageClient';
import { LogTails } from './logTails';
import { TestEventsPanels } from './panel';
import { HandlerWarmup } from './warmup';
import { BackendsProvider } from './views/backends';
import { DeployedFunctionsProvider } from './views/deployedFunctions';
import { LocalFunctionsProvider } from './views/localFunctions';

/** Set by the bundle's first line (scripts/build.mjs); absent when this module is loaded unbundled. */
declare const __nimbusLoadStart: number | undefined;

/** What activate() returns: other extensions and the integration tests reach the running parts through it. */
export interface NimbusApi {
  /** Milliseconds from the first line of the bundle to the end of activate(): loading plus activation. */
  activationMs: number;
  ctx: Ctx;
  debug: NimbusDebug;
  panels: TestEventsPanels;
  /** The open *Tail Logs* streams. */
  tails: LogTails;
  languageClient: ManifestLanguageClient;
  localView: LocalFunctionsProvider;
  deployedView: DeployedFunctionsProvider;
}

export function activate(context: vscode.ExtensionContext): NimbusApi {
  const activateStarted = performance.now();
  const ctx = new Ctx(context);
  const debug = new NimbusDebug(ctx);
  const panels = new TestEventsPanels(ctx, debug);
  const tails = new LogTails(ctx);
  const localView = new LocalFunctionsProvider(ctx);
  const deployedView = new DeployedFunctionsProvider(ctx);
  const backendsView = new BackendsProvider(ctx);
  const codeLenses = new HandlerCodeLensProvider(ctx);
  const languageClient = new ManifestLanguageClient(ctx);
  context.subscriptions.push(
    ctx,
    debug,
    panels,
    tails,
    localView,
    deployedView,
    backendsView,
    codeLenses,
    languageClient,
    vscode.window.createTreeView('nimbus.localFunctions', { treeDataProvider: localView, showCollapseAll: true }),
    vscode.window.createTreeView('nimbus.deployedFunctions', { treeDataProvider: deployedView, showCollapseAll: true }),
    vscode.window.createTreeView('nimbus.backends', { treeDataProvider: backendsView }),
    ...registerCommands({ ctx, debug, panels, tails, localView, deployedView }),
    new HandlerWarmup(ctx, debug),
  );
  if (ctx.config.codeLens) {
    context.subscriptions.push(
      vscode.languages.registerCodeLensProvider(
        [{ scheme: 'file', language: 'typescript' }, { scheme: 'file', language: 'javascript' }],
        codeLenses,
      ),
    );
  }
  void vscode.commands.executeCommand('setContext', 'nimbus.backendConnected', false);
  // Reconnecting to the configured backend is network I/O: it runs after activation returns.
  setTimeout(() => void ctx.backends.restore().catch((error: unknown) => ctx.log.warn(`could not reconnect to ${ctx.config.backendUrl}: ${String(error)}`)), 0);
  const started = typeof __nimbusLoadStart === 'number' ? __nimbusLoadStart : activateStarted;
  const activationMs = performance.now() - started;
  ctx.log.info(`activated in ${activationMs.toFixed(1)} ms (bundle load included)`);
  return { activationMs, ctx, debug, panels, tails, languageClient, localView, deployedView };
}
