// Extension glue: turns what a command was invoked with — a function name, a tree item, an Explorer/editor URI or
// nothing — into the functions it acts on (DESIGN §7).

import { sep } from 'node:path';
import * as vscode from 'vscode';
import { NimbusError } from '../shared/errors';
import type { Ctx } from './ctx';
import type { FunctionRef } from './manifests';
import { isNode } from './views/nodes';

/** Every function the argument names: a manifest or folder means all functions in it. */
export async function resolveFunctions(ctx: Ctx, argument: unknown, selection?: unknown): Promise<FunctionRef[]> {
  const all = await ctx.manifests.functions();
  if (Array.isArray(selection) && selection.length > 1 && selection.every((item) => item instanceof vscode.Uri)) {
    const lists = await Promise.all(selection.map((uri) => resolveFunctions(ctx, uri)));
    return unique(lists.flat());
  }
  if (typeof argument === 'string') {
    const ref = all.find((candidate) => candidate.fn.name === argument);
    if (!ref) throw new NimbusError('FUNCTION_NOT_FOUND', `No function named "${argument}" in the workspace's nimbus.yaml files.`);
    return [ref];
  }
  if (isNode(argument)) {
    switch (argument.kind) {
      case 'manifest':
        return all.filter((ref) => ref.manifest.path === argument.manifest.path);
      case 'function':
      case 'trigger':
      case 'handler':
        return [argument.ref];
      default:
        return [];
    }
  }
  const uri = argument instanceof vscode.Uri ? argument : vscode.window.activeTextEditor?.document.uri;
  if (uri?.scheme === 'file') {
    const path = uri.fsPath;
    const inFile = all.filter((ref) => ref.fn.handlerFile === path || ref.manifest.path === path);
    if (inFile.length) return inFile;
    const inFolder = all.filter((ref) => ref.manifest.path.startsWith(path + sep) || ref.fn.handlerFile.startsWith(path + sep));
    if (inFolder.length && argument instanceof vscode.Uri) return inFolder;
  }
  return [];
}

/** Exactly one function: the argument's, else asked for with a quick pick. */
export async function resolveFunction(ctx: Ctx, argument: unknown, purpose: string): Promise<FunctionRef | undefined> {
  const refs = await resolveFunctions(ctx, argument);
  if (refs.length === 1) return refs[0];
  const candidates = refs.length ? refs : await ctx.manifests.functions();
  if (candidates.length === 0) {
    throw new NimbusError('MANIFEST_NOT_FOUND', 'No functions found: add a nimbus.yaml (run "Nimbus: Create Function") or fix the errors in it.');
  }
  if (candidates.length === 1) return candidates[0];
  const choice = await vscode.window.showQuickPick(
    candidates.map((ref) => ({ label: ref.fn.name, description: ref.fn.handler, detail: vscode.workspace.asRelativePath(ref.manifest.path), ref })),
    { title: purpose, placeHolder: 'Pick a function' },
  );
  return choice?.ref;
}

/** The deployed function's name an argument names (a name, a local or deployed tree item), else asked for. */
export async function resolveDeployedName(ctx: Ctx, argument: unknown, purpose: string): Promise<string | undefined> {
  if (typeof argument === 'string') return argument;
  if (isNode(argument)) {
    if (argument.kind === 'deployed') return argument.summary.name;
    if (argument.kind === 'deployedDetail') return argument.functionName;
    if (argument.kind === 'function' || argument.kind === 'trigger' || argument.kind === 'handler') return argument.ref.fn.name;
  }
  const connection = ctx.backends.requireConnection();
  const deployed = await connection.client.listFunctions();
  if (deployed.length === 0) throw new NimbusError('NOT_FOUND', `Nothing is deployed on ${connection.url} yet: run "Nimbus: Deploy Function" first.`);
  const choice = await vscode.window.showQuickPick(
    deployed.map((summary) => ({ label: summary.name, description: `v${summary.version}` })),
    { title: purpose, placeHolder: 'Pick a deployed function' },
  );
  return choice?.label;
}

function unique(refs: FunctionRef[]): FunctionRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.manifest.path}#${ref.fn.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
