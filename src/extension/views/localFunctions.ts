// Extension glue: the Local Functions view — every nimbus.yaml's functions, their triggers and handler files.

import { relative } from 'node:path';
import * as vscode from 'vscode';
import { nextFireTimes } from '../../shared/events';
import type { Ctx } from '../ctx';
import { presentFunction, presentHandlerFile, presentManifest, presentTrigger, type RowPresentation } from '../models/localTree';
import type { LocalNode } from './nodes';

export class LocalFunctionsProvider implements vscode.TreeDataProvider<LocalNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<LocalNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.subscription = ctx.manifests.onDidChange(() => this.changeEmitter.fire(undefined));
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  async getChildren(node?: LocalNode): Promise<LocalNode[]> {
    if (!node) {
      const manifests = await this.ctx.manifests.all();
      // Not "no functions found": the functions are there, in a file that needs fixing first.
      const broken = (await this.ctx.manifests.broken()).map((entry): LocalNode => ({ kind: 'brokenManifest', broken: entry }));
      // One manifest (the common case): its functions are the top level, one click less.
      if (manifests.length === 1 && broken.length === 0) return manifests[0].functions.map((fn) => ({ kind: 'function', ref: { manifest: manifests[0], fn } }));
      return [...broken, ...manifests.map((manifest): LocalNode => ({ kind: 'manifest', manifest }))];
    }
    switch (node.kind) {
      case 'manifest':
        return node.manifest.functions.map((fn) => ({ kind: 'function', ref: { manifest: node.manifest, fn } }));
      case 'function':
        return [...node.ref.fn.triggers.map((trigger): LocalNode => ({ kind: 'trigger', ref: node.ref, trigger })), { kind: 'handler', ref: node.ref }];
      default:
        return [];
    }
  }

  getTreeItem(node: LocalNode): vscode.TreeItem {
    switch (node.kind) {
      case 'manifest': {
        const item = toTreeItem(presentManifest(node.manifest, vscode.workspace.asRelativePath(node.manifest.path)), vscode.TreeItemCollapsibleState.Expanded);
        item.resourceUri = vscode.Uri.file(node.manifest.path);
        item.command = { command: 'vscode.open', title: 'Open Manifest', arguments: [vscode.Uri.file(node.manifest.path)] };
        return item;
      }
      case 'brokenManifest': {
        const { path, diagnostics } = node.broken;
        const first = diagnostics[0];
        const errors = diagnostics.length === 1 ? '1 error' : `${diagnostics.length} errors`;
        const item = toTreeItem(
          {
            label: vscode.workspace.asRelativePath(path),
            description: first ? `${errors}: ${first.message}` : 'has errors',
            tooltip: `Its functions are listed once it is fixed.\n\n${diagnostics.map((diagnostic) => `line ${diagnostic.range.start.line}: ${diagnostic.message}`).join('\n')}`,
            icon: 'error',
            contextValue: 'nimbus.brokenManifest',
          },
          vscode.TreeItemCollapsibleState.None,
        );
        const at = first ? new vscode.Position(first.range.start.line - 1, Math.max(0, first.range.start.column - 1)) : new vscode.Position(0, 0);
        item.command = { command: 'vscode.open', title: 'Open Manifest', arguments: [vscode.Uri.file(path), { selection: new vscode.Range(at, at) }] };
        return item;
      }
      case 'function': {
        const item = toTreeItem(presentFunction(node.ref.fn), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `local:${node.ref.manifest.path}#${node.ref.fn.name}`;
        return item;
      }
      case 'trigger': {
        const next = (cron: string, timezone: string | undefined) => nextFireTimes(cron, 1, timezone)[0];
        return toTreeItem(presentTrigger(node.trigger, next), vscode.TreeItemCollapsibleState.None);
      }
      case 'handler': {
        const item = toTreeItem(
          presentHandlerFile(node.ref.fn, relative(node.ref.manifest.root, node.ref.fn.handlerFile)),
          vscode.TreeItemCollapsibleState.None,
        );
        item.command = { command: 'nimbus.openHandler', title: 'Open Handler', arguments: [node] };
        return item;
      }
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}

export function toTreeItem(row: RowPresentation, state: vscode.TreeItemCollapsibleState): vscode.TreeItem {
  const item = new vscode.TreeItem(row.label, state);
  item.description = row.description;
  item.tooltip = row.tooltip;
  item.iconPath = new vscode.ThemeIcon(row.icon);
  item.contextValue = row.contextValue;
  item.accessibilityInformation = { label: [row.label, row.description].filter(Boolean).join(', ') };
  return item;
}
