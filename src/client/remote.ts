// Client layer: `nimbus invoke --remote` — runs a deployed function through the backend and hands back the same
// shape as a local invocation, so the CLI prints both alike.

import type { InvocationResult } from '../shared/invocation';
import type { BackendClient } from './client';

export interface RemoteInvocationResult extends InvocationResult {
  /** The deployed version that ran. */
  version: number;
}

export async function remoteInvoke(client: BackendClient, name: string, event: unknown): Promise<RemoteInvocationResult> {
  const response = await client.invoke(name, event);
  return {
    requestId: response.requestId,
    functionName: response.functionName,
    ...(response.error ? { error: response.error } : { result: response.result }),
    logs: response.logs,
    report: response.report,
    coldStart: response.coldStart,
    version: response.version,
  };
}
