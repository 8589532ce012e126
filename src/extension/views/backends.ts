// Extension glue: the Backends view — the local companion and remote backends, which one is connected.

import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { BackendNode } from './nodes';

export class BackendsProvider implements vscode.TreeDataProvider<BackendNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<BackendNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.subscription = ctx.backends.onDidChange(() => this.changeEmitter.fire(undefined));
  }

  getChildren(node?: BackendNode): BackendNode[] {
    if (node) return [];
    const current = this.ctx.backends.current?.url;
    return this.ctx.backends.entries().map((entry) => ({ kind: 'backend', entry, connected: entry.url === current }));
  }

  getTreeItem(node: BackendNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.entry.local ? 'Local companion' : node.entry.url, vscode.TreeItemCollapsibleState.None);
    item.description = [node.entry.local ? node.entry.url : 'remote', node.connected ? 'connected' : undefined].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(node.entry.local ? 'server-process' : 'cloud', node.connected ? new vscode.ThemeColor('testing.iconPassed') : undefined);
    item.contextValue = `nimbus.backend${node.entry.local ? '.local' : '.remote'}${node.connected ? '.connected' : ''}`;
    item.tooltip = `${node.entry.url}${node.connected ? ' (connected)' : ''}`;
    item.accessibilityInformation = { label: `${node.entry.local ? 'Local companion' : 'Remote backend'} ${node.entry.url}${node.connected ? ', connected' : ''}` };
    if (!node.connected) item.command = { command: 'nimbus.connectBackend', title: 'Connect', arguments: [node] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
