// Extension glue: reads the `nimbus.*` settings once into a plain options object the rest of the extension passes down.

import * as vscode from 'vscode';
import type { SandboxLevel } from '../executor/api';
import type { PriceModel } from '../shared/invocation';

export interface NimbusConfig {
  /** URL of the backend to connect to at start; empty when none is configured. */
  backendUrl: string;
  /** Port the extension starts the local companion backend on (0 = a free one). */
  localBackendPort: number;
  prices: PriceModel;
  sandbox: SandboxLevel;
  idleTimeoutMs: number;
  codeLens: boolean;
  /** Path of the node executable used for the local backend, the debug adapter and the language server. */
  /** `nimbus.nodePath`, when set; otherwise the executor finds a Node.js (see findNodeRuntime). */
  nodePath?: string;
}

export function readConfig(): NimbusConfig {
  const settings = vscode.workspace.getConfiguration('nimbus');
  return {
    backendUrl: settings.get<string>('backend.url', '').trim(),
    localBackendPort: settings.get<number>('backend.localPort', 0),
    prices: {
      gbSecond: settings.get<number>('pricing.gbSecond', 0.0000166667),
      request: settings.get<number>('pricing.request', 0.0000002),
    },
    sandbox: settings.get<SandboxLevel>('sandbox', 'strict'),
    idleTimeoutMs: settings.get<number>('idleTimeout', 300) * 1000,
    codeLens: settings.get<boolean>('codeLens.enabled', true),
    nodePath: settings.get<string>('nodePath', '').trim() || undefined,
  };
}
