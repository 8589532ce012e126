// Extension glue: the Deployed Functions view — what the connected backend holds: versions, trigger URLs, recent
// invocations and metrics. Empty (so the welcome view with Start/Connect shows) while no backend is connected; one
// row saying so while the connected backend cannot be read, retried until it can.

import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { presentDeployedFunction, presentDeployedTrigger, presentInvocation, presentMetrics, recentInvocations } from '../models/deployedTree';
import { toTreeItem } from './localFunctions';
import type { DeployedNode } from './nodes';

const unreachableRetryMs = 5000;

export class DeployedFunctionsProvider implements vscode.TreeDataProvider<DeployedNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<DeployedNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly loadEmitter = new vscode.EventEmitter<number>();
  /** Fires with the number of functions each time the top level was read from the backend (tests and e2e wait on it). */
  readonly onDidLoad = this.loadEmitter.event;
  private readonly subscription: vscode.Disposable;
  /** Set while the top level could not be read: the view tries again by itself. */
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Ctx) {
    this.subscription = ctx.backends.onDidChange(() => this.refresh());
  }

  refresh(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.changeEmitter.fire(undefined);
  }

  async getChildren(node?: DeployedNode): Promise<DeployedNode[]> {
    const connection = this.ctx.backends.current;
    if (!connection) return [];
    try {
      if (!node) {
        const functions = await connection.client.listFunctions();
        this.loadEmitter.fire(functions.length);
        return functions.map((summary) => ({ kind: 'deployed', summary }));
      }
      if (node.kind !== 'deployed') return [];
      const name = node.summary.name;
      const [detail, metrics, logs] = await Promise.all([
        connection.client.getFunction(name),
        connection.client.metrics(name),
        connection.client.logs(name, { limit: 200, newest: true }),
      ]);
      const active = detail.versions.find((version) => version.active);
      const children: DeployedNode[] = [
        {
          kind: 'deployedDetail',
          functionName: name,
          row: {
            label: `Version ${detail.version}`,
            description: `${detail.versions.length} version(s)${active ? ` · ${active.createdAt}` : ''}`,
            tooltip: detail.versions.map((version) => `v${version.version} ${version.createdAt}${version.active ? ' (active)' : ''}`).join('\n'),
            icon: 'versions',
            contextValue: detail.versions.length > 1 ? 'nimbus.deployedVersion.rollback' : 'nimbus.deployedVersion',
          },
        },
        ...detail.triggers.map((trigger): DeployedNode => {
          const row = presentDeployedTrigger(trigger, connection.url);
          return { kind: 'deployedDetail', functionName: name, row, url: row.url, trigger };
        }),
        { kind: 'deployedDetail', functionName: name, row: presentMetrics(metrics) },
        ...recentInvocations(logs.lines).map((invocation): DeployedNode => ({ kind: 'deployedDetail', functionName: name, row: presentInvocation(invocation) })),
      ];
      return children;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.ctx.log.warn(`could not list deployed functions: ${message}`);
      if (node) return [];
      // Not "nothing is deployed": the backend did not say. Tried again every few seconds until it answers.
      clearTimeout(this.retry);
      this.retry = setTimeout(() => this.refresh(), unreachableRetryMs);
      return [
        {
          kind: 'deployedDetail',
          functionName: '',
          row: { label: 'Cannot reach the backend', description: connection.url, tooltip: `${message}\nRetrying every ${unreachableRetryMs / 1000} s; Refresh to try now.`, icon: 'warning', contextValue: 'nimbus.backendUnreachable' },
        },
      ];
    }
  }

  getTreeItem(node: DeployedNode): vscode.TreeItem {
    if (node.kind === 'deployed') {
      const item = toTreeItem(presentDeployedFunction(node.summary), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `deployed:${node.summary.name}:${node.summary.version}`;
      return item;
    }
    const item = toTreeItem(node.row, vscode.TreeItemCollapsibleState.None);
    if (node.url) item.command = { command: 'nimbus.openUrl', title: 'Open in Browser', arguments: [node] };
    return item;
  }

  dispose(): void {
    clearTimeout(this.retry);
    this.subscription.dispose();
    this.changeEmitter.dispose();
    this.loadEmitter.dispose();
  }
}
