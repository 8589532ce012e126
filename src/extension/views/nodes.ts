// Extension glue: the tree nodes commands receive as arguments (DESIGN §7: a function name or a tree item).

import type { DeployedTrigger, FunctionSummary } from '../../shared/backendApi';
import type { Trigger } from '../../shared/manifest/model';
import type { Manifest } from '../../shared/manifest';
import type { BrokenManifest, FunctionRef } from '../manifests';
import type { RowPresentation } from '../models/localTree';
import type { BackendEntry } from '../backends';

export type LocalNode =
  | { kind: 'manifest'; manifest: Manifest }
  /** A nimbus.yaml with errors: shown instead of its functions, opening at its first error. */
  | { kind: 'brokenManifest'; broken: BrokenManifest }
  | { kind: 'function'; ref: FunctionRef }
  | { kind: 'trigger'; ref: FunctionRef; trigger: Trigger }
  | { kind: 'handler'; ref: FunctionRef };

export type DeployedNode =
  | { kind: 'deployed'; summary: FunctionSummary }
  | { kind: 'deployedDetail'; functionName: string; row: RowPresentation; url?: string; trigger?: DeployedTrigger };

export type BackendNode = { kind: 'backend'; entry: BackendEntry; connected: boolean };

export type NimbusNode = LocalNode | DeployedNode | BackendNode;

export function isNode(value: unknown): value is NimbusNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}
