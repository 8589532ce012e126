// Extension glue: running a function locally or on the connected backend, and deploying it — shared by commands,
// code lenses and the Test Events panel so each lands in the same place (output channel, notifications).

import * as vscode from 'vscode';
import { packageFunction } from '../client/package';
import type { DeployResponse, InvokeResponse } from '../shared/backendApi';
import { eventTemplate } from '../shared/events';
import { formatReport, type InvocationResult } from '../shared/invocation';
import type { Ctx } from './ctx';
import type { FunctionRef } from './manifests';

/** The event a plain "Invoke" sends: the template of the function's first trigger. */
export function defaultEvent(ref: FunctionRef): unknown {
  const trigger = ref.fn.triggers[0]?.type;
  return trigger ? eventTemplate(ref.fn, trigger) : {};
}

export async function invokeLocal(ctx: Ctx, ref: FunctionRef, event: unknown): Promise<InvocationResult> {
  ctx.functionOutput.appendLine(`START ${ref.fn.name} (local)`);
  const result = await ctx.executor().invoke(ref.fn, event, { onLog: (line) => ctx.appendFunctionLog(line) });
  writeOutcome(ctx, result);
  return result;
}

export async function invokeRemote(ctx: Ctx, name: string, event: unknown): Promise<InvokeResponse> {
  const connection = ctx.backends.requireConnection();
  ctx.functionOutput.appendLine(`START ${name} (${connection.url})`);
  const response = await connection.client.invoke(name, event);
  for (const line of response.logs) ctx.appendFunctionLog(line);
  writeOutcome(ctx, response);
  return response;
}

function writeOutcome(ctx: Ctx, result: Pick<InvocationResult, 'result' | 'error' | 'report'>): void {
  if (result.error) ctx.functionOutput.appendLine(`ERROR ${JSON.stringify(result.error)}`);
  else ctx.functionOutput.appendLine(`RESULT ${JSON.stringify(result.result ?? null)}`);
  ctx.functionOutput.appendLine(formatReport(result.report));
}

/** One-line summary for a notification. */
export function summarize(name: string, result: Pick<InvocationResult, 'error' | 'report' | 'coldStart'>): string {
  const timing = `${result.report.durationMs.toFixed(1)} ms${result.coldStart ? ' (cold start)' : ''}`;
  return result.error ? `${name} failed after ${timing}: ${result.error.errorMessage}` : `${name} returned in ${timing}`;
}

export interface DeployOutcome {
  ref: FunctionRef;
  response: DeployResponse;
}

/** Bundles, uploads and activates each function, with one progress notification for them all. */
export async function deploy(ctx: Ctx, refs: FunctionRef[]): Promise<DeployOutcome[]> {
  const connection = ctx.backends.current ?? (await offerBackend(ctx));
  if (!connection) return [];
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Nimbus', cancellable: false },
    async (progress) => {
      const outcomes: DeployOutcome[] = [];
      const step = 100 / (refs.length * 3);
      for (const ref of refs) {
        progress.report({ message: `Bundling ${ref.fn.name}…`, increment: step });
        const artifact = await packageFunction(ref.manifest, ref.fn, ctx.executor());
        progress.report({ message: `Uploading ${ref.fn.name} (${(artifact.tarball.length / 1024).toFixed(1)} KB)…`, increment: step });
        const response = await connection.client.deploy(ref.fn.name, artifact.tarball, artifact.sha256);
        progress.report({ message: `${ref.fn.name} v${response.version} is live`, increment: step });
        ctx.log.info(`deployed ${ref.fn.name} v${response.version} to ${connection.url}${response.unchanged ? ' (unchanged)' : ''}`);
        outcomes.push({ ref, response });
      }
      return outcomes;
    },
  );
}

/** Deploy needs a backend: offer to start the local one or connect, instead of failing. */
async function offerBackend(ctx: Ctx) {
  const choice = await vscode.window.showInformationMessage(
    'Deploy needs a backend. Start the local companion backend, or connect to one?',
    'Start Local Backend',
    'Connect to Backend…',
  );
  if (choice === 'Start Local Backend') return ctx.backends.startLocal();
  if (choice === 'Connect to Backend…') {
    await vscode.commands.executeCommand('nimbus.connectBackend');
    return ctx.backends.current;
  }
  return undefined;
}
