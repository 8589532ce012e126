// CLI layer: reads a trigger type given on the command line, or says which ones exist.

import { NimbusError } from '../shared/errors';
import { triggerTypes, type TriggerType } from '../shared/manifest/model';

/** `where` names the command and option, e.g. "nimbus init: --template". */
export function triggerTypeArgument(value: unknown, where: string): TriggerType {
  if (triggerTypes.includes(value as TriggerType)) return value as TriggerType;
  throw new NimbusError('USAGE', `${where}: unknown trigger type '${String(value)}'; expected one of ${triggerTypes.join(', ')}`);
}
