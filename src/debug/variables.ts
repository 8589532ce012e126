// Debug layer: scopes and variables of a paused function, expanded lazily through variablesReference handles, plus
// assignment. Handles live until the function resumes.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { NimbusError } from '../shared/errors';
import { CdpError, type CdpClient, type Protocol } from './cdp';
import { describeValue, isExpandable, toCallArgument, typeOf } from './values';

/** What a variablesReference stands for. */
type Container =
  | { kind: 'scope'; callFrameId: Protocol.CallFrameId; scopeNumber: number; objectId: Protocol.RemoteObjectId; name: string }
  | { kind: 'object'; objectId: Protocol.RemoteObjectId; evaluateName?: string };

/** The helpers esbuild puts at the top of a bundle (`__defProp`, `__toCommonJS`…): not the user's module variables. */
const bundlerGlue =
  /^__(create|defProp|defNormalProp|getOwnPropDesc|getOwnPropNames|getOwnPropSymbols|getProtoOf|hasOwnProp|propIsEnum|name|esm|commonJS|export|copyProps|reExport|toESM|toCommonJS|publicField|require|async|await|spreadValues|spreadProps|objRest|decorateClass|knownSymbol|template|privateIn|privateGet|privateAdd|privateSet|privateMethod|using|callDispose)$/;

/** Object group of everything fetched while paused, released on resume so the function can free it. */
export const pausedObjectGroup = 'nimbus-paused';

/** Above this many children, an array or buffer is shown in pages a client asks for (indexedVariables). */
const maximumChildren = 1000;

export class VariableStore {
  private readonly containers = new Map<number, Container>();
  private nextReference = 1;

  constructor(private readonly cdp: CdpClient) {}

  /** Forgets every handle (the function resumed: object ids are no longer valid). */
  clear(): void {
    this.containers.clear();
  }

  scopesOf(frame: Protocol.CallFrame, isModuleScope: (scope: Protocol.Scope) => boolean): DebugProtocol.Scope[] {
    return frame.scopeChain.map((scope, scopeNumber) => {
      const name = isModuleScope(scope) ? 'Module' : scopeName(scope);
      const reference = this.add({ kind: 'scope', callFrameId: frame.callFrameId, scopeNumber, objectId: scope.object.objectId!, name });
      return {
        name,
        presentationHint: scope.type === 'local' ? 'locals' : undefined,
        variablesReference: reference,
        expensive: scope.type === 'global',
      };
    });
  }

  /** A handle for a value a client can expand, or 0. */
  referenceFor(value: Protocol.RemoteObject, evaluateName?: string): number {
    return isExpandable(value) ? this.add({ kind: 'object', objectId: value.objectId!, evaluateName }) : 0;
  }

  async variables(reference: number, start = 0, count = 0): Promise<DebugProtocol.Variable[]> {
    const container = this.containers.get(reference);
    if (!container) return [];
    const { result, internalProperties } = await this.cdp.api.Runtime.getProperties({
      objectId: container.objectId,
      ownProperties: true,
      generatePreview: true,
    });
    const parentName = container.kind === 'object' ? container.evaluateName : undefined;
    const variables: DebugProtocol.Variable[] = [];
    for (const internal of internalProperties ?? []) {
      // The prototype and closure scopes are noise in a function's data; entries of Maps and Sets are the point.
      if (!internal.value || internal.name === '[[Prototype]]' || internal.name === '[[Scopes]]') continue;
      variables.push(this.toVariable(internal.name, internal.value, undefined));
    }
    const moduleScope = container.kind === 'scope' && container.name === 'Module';
    const properties = result.filter((property) => property.name !== '__proto__' && !(moduleScope && bundlerGlue.test(property.name)));
    const paged = count > 0 ? properties.filter((property) => /^\d+$/.test(property.name)).slice(start, start + count) : properties.slice(0, maximumChildren);
    for (const property of paged) {
      if (property.value) {
        variables.push(this.toVariable(property.name, property.value, childEvaluateName(parentName, property.name, container.kind === 'scope')));
      } else if (property.get) {
        variables.push({ name: property.name, value: '(getter)', variablesReference: 0, presentationHint: { kind: 'property', lazy: true } });
      }
    }
    return variables;
  }

  /** Assigns `expression` (evaluated in the scope's frame, else in `callFrameId`, else globally) to a variable; answers its new value. */
  async setVariable(reference: number, name: string, expression: string, callFrameId: Protocol.CallFrameId | undefined): Promise<DebugProtocol.SetVariableResponse['body']> {
    const container = this.containers.get(reference);
    if (!container) throw new NimbusError('USAGE', 'That variable is no longer available: the function has resumed.');
    if (container.kind === 'scope') await this.requireInScope(container, name);
    const frameId = container.kind === 'scope' ? container.callFrameId : callFrameId;
    const evaluated = frameId
      ? await this.cdp.api.Debugger.evaluateOnCallFrame({ callFrameId: frameId, expression, objectGroup: pausedObjectGroup, generatePreview: true, silent: true })
      : await this.cdp.api.Runtime.evaluate({ expression, objectGroup: pausedObjectGroup, generatePreview: true, silent: true });
    if (evaluated.exceptionDetails) throw new NimbusError('USAGE', exceptionMessage(evaluated));
    const value = evaluated.result;
    if (container.kind === 'scope') {
      try {
        await this.cdp.api.Debugger.setVariableValue({
          callFrameId: container.callFrameId,
          scopeNumber: container.scopeNumber,
          variableName: name,
          newValue: toCallArgument(value),
        });
      } catch (error) {
        if (!(error instanceof CdpError) || !/Internal error/i.test(error.message)) throw error;
        // V8 says no more than "Internal error"; seen in frames it runs optimized, as right after pausing a hot loop.
        throw new NimbusError(
          'USAGE',
          `"${name}" cannot be changed in this frame right now: V8 does not let the debugger write variables of code it runs optimized (as right after pausing a busy loop). Step once and try again.`,
        );
      }
    } else {
      const assigned = await this.cdp.api.Runtime.callFunctionOn({
        objectId: container.objectId,
        functionDeclaration: 'function (name, value) { this[name] = value; return this[name]; }',
        arguments: [{ value: name }, toCallArgument(value)],
        objectGroup: pausedObjectGroup,
        generatePreview: true,
        silent: true,
      });
      if (assigned.exceptionDetails) throw new NimbusError('USAGE', exceptionMessage(assigned));
    }
    return { value: describeValue(value), type: typeOf(value), variablesReference: this.referenceFor(value) };
  }

  /** V8 refuses a name a scope does not hold with the same "Internal error" as any other refusal: say which it is. */
  private async requireInScope(scope: Extract<Container, { kind: 'scope' }>, name: string): Promise<void> {
    const { result } = await this.cdp.api.Runtime.getProperties({ objectId: scope.objectId, ownProperties: true });
    if (!result.some((property) => property.name === name)) {
      throw new NimbusError('USAGE', `There is no variable "${name}" in ${scope.name}: only the variables listed in a scope can be changed there.`);
    }
  }

  toVariable(name: string, value: Protocol.RemoteObject, evaluateName: string | undefined): DebugProtocol.Variable {
    const variable: DebugProtocol.Variable = {
      name,
      value: describeValue(value),
      type: typeOf(value),
      variablesReference: this.referenceFor(value, evaluateName),
      evaluateName,
    };
    if (value.subtype === 'array' || value.subtype === 'typedarray') {
      const length = /\((\d+)\)/.exec(value.description ?? '');
      if (length && Number(length[1]) > maximumChildren) variable.indexedVariables = Number(length[1]);
    }
    return variable;
  }

  private add(container: Container): number {
    const reference = this.nextReference++;
    this.containers.set(reference, container);
    return reference;
  }
}

/** The first line of what an evaluation threw, as a user reads it in the Debug Console. */
export function exceptionMessage(result: Protocol.EvaluateResult): string {
  const thrown = result.exceptionDetails?.exception;
  const description = thrown?.description ?? (thrown?.value !== undefined ? String(thrown.value) : result.exceptionDetails?.text);
  return (description ?? 'Evaluation failed').split('\n', 1)[0]!;
}

function scopeName(scope: Protocol.Scope): string {
  switch (scope.type) {
    case 'local':
      return 'Local';
    case 'closure':
      return scope.name ? `Closure (${scope.name})` : 'Closure';
    case 'block':
      return 'Block';
    case 'catch':
      return 'Catch';
    case 'script':
      return 'Script';
    case 'module':
      return 'Module';
    case 'global':
      return 'Global';
    case 'with':
      return 'With';
    default:
      return scope.type;
  }
}

function childEvaluateName(parent: string | undefined, name: string, inScope: boolean): string | undefined {
  if (inScope) return /^[A-Za-z_$][\w$]*$/.test(name) ? name : undefined;
  if (parent === undefined) return undefined;
  if (/^\d+$/.test(name)) return `${parent}[${name}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(name)) return `${parent}.${name}`;
  return `${parent}[${JSON.stringify(name)}]`;
}
