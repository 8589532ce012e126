// Extension glue: every command of DESIGN §7 (and the small helpers menus use). Each is a factory that gets the Ctx;
// each returns its outcome so other extensions and the integration tests can use it.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { DeployResponse } from '../shared/backendApi';
import { NimbusError } from '../shared/errors';
import { askToken } from './backends';
import type { Ctx } from './ctx';
import type { LogTails } from './logTails';
import { functionId } from './manifests';
import type { NimbusDebug } from './debug';
import { deploy, defaultEvent, invokeLocal, invokeRemote, summarize } from './invocations';
import type { TestEventsPanels } from './panel';
import { resolveDeployedName, resolveFunction, resolveFunctions } from './targets';
import type { DeployedFunctionsProvider } from './views/deployedFunctions';
import type { LocalFunctionsProvider } from './views/localFunctions';
import { isNode } from './views/nodes';

export interface CommandServices {
  ctx: Ctx;
  debug: NimbusDebug;
  panels: TestEventsPanels;
  tails: LogTails;
  localView: LocalFunctionsProvider;
  deployedView: DeployedFunctionsProvider;
}

type Handler = (...args: unknown[]) => unknown;

export function registerCommands(services: CommandServices): vscode.Disposable[] {
  const { ctx } = services;
  const commands: Record<string, Handler> = {
    'nimbus.invoke': async (target, event) => {
      const ref = await resolveFunction(ctx, target, 'Invoke which function?');
      if (!ref) return undefined;
      const result = await invokeLocal(ctx, ref, event ?? defaultEvent(ref));
      showResult(ctx, summarize(ref.fn.name, result), !!result.error);
      return result;
    },
    'nimbus.debug': async (target, event) => {
      const ref = await resolveFunction(ctx, target, 'Debug which function?');
      return ref ? services.debug.start(ref, event === undefined ? undefined : { event }) : false;
    },
    'nimbus.debugWithEvent': async (target) => {
      const ref = await resolveFunction(ctx, target, 'Debug which function?');
      if (!ref) return false;
      const saved = await services.panels.savedEvents(ref);
      const picks = [
        // One template per trigger type (two http routes share the http template).
        ...[...new Set(ref.fn.triggers.map((trigger) => trigger.type))].map((type) => ({ label: `$(symbol-event) ${type} template`, trigger: type, name: undefined as string | undefined })),
        ...saved.map((name) => ({ label: `$(json) ${name}`, description: 'saved event', trigger: undefined, name })),
      ];
      const choice = await vscode.window.showQuickPick(picks, { title: `Debug ${ref.fn.name} with which event?` });
      if (!choice) return false;
      if (choice.trigger) return services.debug.start(ref, { trigger: choice.trigger });
      return services.debug.start(ref, { event: await services.panels.readSavedEvent(ref, choice.name ?? '') });
    },
    'nimbus.deploy': async (target, selection) => {
      let refs = await resolveFunctions(ctx, target, selection);
      if (refs.length === 0) {
        const ref = await resolveFunction(ctx, undefined, 'Deploy which function?');
        refs = ref ? [ref] : [];
      }
      return deployAndReport(services, refs);
    },
    'nimbus.deployAll': async (target) => {
      const refs = target === undefined ? await ctx.manifests.functions() : await resolveFunctions(ctx, target);
      return deployAndReport(services, refs);
    },
    'nimbus.openTestEvents': async (target) => {
      const ref = target === undefined ? undefined : await resolveFunction(ctx, target, 'Test which function?');
      return services.panels.show(ref);
    },
    'nimbus.invokeRemote': async (target, event) => {
      const name = await resolveDeployedName(ctx, target, 'Invoke which deployed function?');
      if (!name) return undefined;
      const local = await ctx.manifests.byName(name);
      const response = await invokeRemote(ctx, name, event ?? (local ? defaultEvent(local) : {}));
      showResult(ctx, summarize(name, response), !!response.error);
      services.deployedView.refresh();
      return response;
    },
    'nimbus.tailLogs': async (target) => {
      const name = await resolveDeployedName(ctx, target, 'Tail the logs of which function?');
      if (!name) return undefined;
      await services.tails.start(name);
      ctx.functionOutput.show(true);
      return true;
    },
    'nimbus.deleteDeployed': async (target, options) => {
      const name = await resolveDeployedName(ctx, target, 'Delete which deployed function?');
      if (!name) return false;
      const connection = ctx.backends.requireConnection();
      const skipConfirmation = typeof options === 'object' && options !== null && (options as { confirm?: boolean }).confirm === false;
      if (!skipConfirmation) {
        const answer = await vscode.window.showWarningMessage(`Delete ${name} and all its versions from ${connection.url}?`, { modal: true }, 'Delete');
        if (answer !== 'Delete') return false;
      }
      await connection.client.deleteFunction(name);
      services.deployedView.refresh();
      return true;
    },
    'nimbus.rollback': async (target) => {
      const name = await resolveDeployedName(ctx, target, 'Roll back which function?');
      if (!name) return undefined;
      const connection = ctx.backends.requireConnection();
      const detail = await connection.client.getFunction(name);
      const older = detail.versions.filter((version) => !version.active).sort((left, right) => right.version - left.version);
      if (older.length === 0) {
        // Not a failure: there is just no older version yet.
        void vscode.window.showInformationMessage(`${name} has only one version (v${detail.version}); there is nothing to roll back to yet.`);
        return undefined;
      }
      const choice = await vscode.window.showQuickPick(
        older.map((version) => ({ label: `v${version.version}`, description: version.createdAt, version: version.version })),
        { title: `Roll ${name} back to which version? (active: v${detail.version})` },
      );
      if (!choice) return undefined;
      const result = await connection.client.rollback(name, choice.version);
      void vscode.window.showInformationMessage(`${name} now serves v${result.version}.`);
      services.deployedView.refresh();
      return result;
    },
    'nimbus.startLocalBackend': async () => {
      const connection = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Starting the local Nimbus backend…' },
        () => ctx.backends.startLocal(),
      );
      return connection.url;
    },
    'nimbus.stopLocalBackend': () => ctx.backends.stopLocal(),
    'nimbus.connectBackend': async (target, token) => {
      if (isNode(target) && target.kind === 'backend') return (await ctx.backends.connectKnown(target.entry.url))?.url;
      const url =
        typeof target === 'string'
          ? target
          : await vscode.window.showInputBox({
              title: 'Connect to a Nimbus backend',
              prompt: 'URL of the backend, e.g. http://127.0.0.1:7700',
              value: ctx.config.backendUrl || 'http://127.0.0.1:7700',
              ignoreFocusOut: true,
              validateInput: (value) => (/^https?:\/\/[^\s/]+/.test(value.trim()) ? undefined : 'Enter an http:// or https:// URL'),
            });
      if (!url) return undefined;
      const secret = typeof token === 'string' ? token : await askToken(url.trim());
      if (secret === undefined) return undefined;
      return (await ctx.backends.connect(url.trim(), secret.trim(), false)).url;
    },
    'nimbus.disconnectBackend': () => ctx.backends.disconnect(),
    'nimbus.forgetBackend': async (target) => {
      if (isNode(target) && target.kind === 'backend') await ctx.backends.forget(target.entry.url);
    },
    'nimbus.createFunction': () => createFunction(ctx),
    'nimbus.refresh': () => {
      ctx.manifests.invalidate();
      services.localView.refresh();
      services.deployedView.refresh();
    },
    'nimbus.openHandler': async (target) => {
      const ref = await resolveFunction(ctx, target, 'Open the handler of which function?');
      if (ref) await vscode.window.showTextDocument(vscode.Uri.file(ref.fn.handlerFile));
    },
    'nimbus.openUrl': async (target) => {
      const url = await urlOf(ctx, target);
      if (url) await vscode.env.openExternal(vscode.Uri.parse(url));
    },
    'nimbus.copyUrl': async (target) => {
      const url = await urlOf(ctx, target);
      if (url) await vscode.env.clipboard.writeText(url);
    },
    'nimbus.showFunctionLogs': () => ctx.functionOutput.show(true),
    'nimbus.showStatusActions': async () => {
      const connected = ctx.backends.current;
      const actions = [
        { label: '$(play) Invoke Function…', command: 'nimbus.invoke' },
        { label: '$(debug-alt) Debug Function…', command: 'nimbus.debug' },
        { label: '$(beaker) Open Test Events', command: 'nimbus.openTestEvents' },
        ...(ctx.backends.localRunning
          ? [{ label: '$(debug-stop) Stop Local Backend', command: 'nimbus.stopLocalBackend' }]
          : [{ label: '$(server-process) Start Local Backend', command: 'nimbus.startLocalBackend' }]),
        { label: '$(plug) Connect to Backend…', command: 'nimbus.connectBackend' },
        ...(connected ? [{ label: `$(cloud-upload) Deploy All to ${connected.url}`, command: 'nimbus.deployAll' }] : []),
        { label: '$(output) Show Function Logs', command: 'nimbus.showFunctionLogs' },
      ];
      const choice = await vscode.window.showQuickPick(actions, { title: 'Nimbus' });
      if (choice) await vscode.commands.executeCommand(choice.command);
    },
  };

  return Object.entries(commands).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await handler(...args);
      } catch (error) {
        // Said once, here, and resolved to undefined: rethrown, VS Code would say it again (a modal from the palette,
        // "Error running command" from a menu).
        ctx.reportError(titleOf(id), error);
        return undefined;
      }
    }),
  );
}

function titleOf(commandId: string): string {
  return commandId.replace(/^nimbus\./, '').replace(/([A-Z])/g, ' $1').toLowerCase();
}

function showResult(ctx: Ctx, message: string, failed: boolean): void {
  const show = failed ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
  void show(message, 'Show Output').then((choice) => {
    if (choice === 'Show Output') ctx.functionOutput.show(true);
  });
}

/** Deploys in flight, by the functions they deploy: a second click joins the first instead of racing it. */
const deploysInFlight = new Map<string, Promise<DeployResponse[]>>();

function deployAndReport(services: CommandServices, refs: Awaited<ReturnType<typeof resolveFunctions>>): Promise<DeployResponse[]> {
  const key = refs.map(functionId).sort().join('\n');
  let running = deploysInFlight.get(key);
  if (!running) {
    running = deployAndNotify(services, refs).finally(() => deploysInFlight.delete(key));
    deploysInFlight.set(key, running);
  }
  return running;
}

async function deployAndNotify(services: CommandServices, refs: Awaited<ReturnType<typeof resolveFunctions>>): Promise<DeployResponse[]> {
  if (refs.length === 0) throw new NimbusError('FUNCTION_NOT_FOUND', 'Nothing to deploy here: pick nimbus.yaml, a handler file or a folder with functions.');
  const outcomes = await deploy(services.ctx, refs);
  services.deployedView.refresh();
  const urls = outcomes.flatMap((outcome) => outcome.response.urls);
  const names = outcomes.map((outcome) => `${outcome.ref.fn.name} v${outcome.response.version}`).join(', ');
  if (outcomes.length) {
    // The first route is shown and copied; Open goes to one a browser can open: a GET route with no {parameters}
    // (a deployed function's URLs come in the order of its http triggers).
    const shown = urls[0];
    const openable = outcomes
      .flatMap((outcome) => {
        const routes = outcome.ref.fn.triggers.filter((trigger) => trigger.type === 'http');
        return outcome.response.urls.map((url, index) => ({ url, method: routes[index]?.type === 'http' ? routes[index].method : undefined }));
      })
      .find(({ url, method }) => (method === 'GET' || method === 'ANY') && !url.includes('{'))?.url;
    const actions = shown ? ['Copy URL', ...(openable ? ['Open'] : [])] : [];
    // Not awaited: the command resolves when the deploy is live, not when the user closes the notification.
    void vscode.window.showInformationMessage(`Deployed ${names}${shown ? ` — ${shown}` : ''}`, ...actions).then(async (choice) => {
      if (choice === 'Copy URL' && shown) await vscode.env.clipboard.writeText(shown);
      if (choice === 'Open' && openable) await vscode.env.openExternal(vscode.Uri.parse(openable));
    });
  }
  return outcomes.map((outcome) => outcome.response);
}

async function urlOf(ctx: Ctx, target: unknown): Promise<string | undefined> {
  if (isNode(target) && target.kind === 'deployedDetail' && target.url) return target.url;
  if (isNode(target) && target.kind === 'deployed' && target.summary.url) return target.summary.url;
  const name = await resolveDeployedName(ctx, target, 'Which function?');
  if (!name) return undefined;
  const detail = await ctx.backends.requireConnection().client.getFunction(name);
  if (!detail.urls[0]) throw new NimbusError('NOT_FOUND', `${name} has no HTTP trigger, so it has no URL.`);
  return detail.urls[0];
}

const handlerTemplates: Record<string, (name: string) => string> = {
  http: (name) =>
    `// ${name}: answers HTTP requests (API Gateway HTTP API v2 events).\nexport async function handler(event: { rawPath: string }) {\n  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: event.rawPath }) };\n}\n`,
  storage: (name) =>
    `// ${name}: runs when an object lands in the bucket (S3 event notifications).\nexport async function handler(event: { Records: { s3: { object: { key: string } } }[] }) {\n  for (const record of event.Records) console.log('new object', record.s3.object.key);\n}\n`,
  queue: (name) =>
    `// ${name}: consumes queue messages in batches (SQS events).\nexport async function handler(event: { Records: { body: string }[] }) {\n  for (const record of event.Records) console.log('message', record.body);\n}\n`,
  schedule: (name) => `// ${name}: runs on a schedule (EventBridge scheduled events).\nexport async function handler() {\n  console.log('tick', new Date().toISOString());\n}\n`,
};

const triggerSnippets: Record<string, (name: string) => string> = {
  http: (name) => `      - http: { method: GET, path: /${name} }`,
  storage: () => `      - storage: { bucket: uploads, events: [created] }`,
  queue: (name) => `      - queue: { topic: ${name} }`,
  schedule: () => `      - schedule: { cron: "*/5 * * * *" }`,
};

/** Adds a function (handler file + manifest entry) to the workspace's nimbus.yaml, creating the manifest if needed. */
async function createFunction(ctx: Ctx): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new NimbusError('USAGE', 'Open a folder first: a function lives in a project folder with a nimbus.yaml.');
  const name = await vscode.window.showInputBox({
    title: 'New function',
    prompt: 'Function name',
    validateInput: (value) => (/^[a-z][a-z0-9-]{0,63}$/.test(value) ? undefined : 'Use lower-case letters, digits and "-", starting with a letter'),
  });
  if (!name) return undefined;
  const trigger = await vscode.window.showQuickPick(Object.keys(handlerTemplates), { title: `What triggers ${name}?` });
  if (!trigger) return undefined;
  const manifests = await ctx.manifests.all();
  const manifestPath = manifests[0]?.path ?? join(folder.uri.fsPath, 'nimbus.yaml');
  const root = dirname(manifestPath);
  const handlerPath = join(root, 'src', `${name}.ts`);
  await mkdir(dirname(handlerPath), { recursive: true });
  await writeFile(handlerPath, handlerTemplates[trigger](name), { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new NimbusError('CONFLICT', `${handlerPath} already exists; pick another name.`);
    throw error;
  });
  const entry = `  ${name}:\n    handler: src/${name}.handler\n    triggers:\n${triggerSnippets[trigger](name)}\n`;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(manifestPath)).then(
    (opened) => opened,
    () => undefined,
  );
  const edit = new vscode.WorkspaceEdit();
  if (document) {
    const text = document.getText();
    edit.insert(document.uri, document.positionAt(text.length), (text.endsWith('\n') ? '' : '\n') + entry);
  } else {
    edit.createFile(vscode.Uri.file(manifestPath), { contents: new TextEncoder().encode(`service: ${folder.name}\nfunctions:\n${entry}`) });
  }
  await vscode.workspace.applyEdit(edit);
  await vscode.workspace.save(vscode.Uri.file(manifestPath));
  ctx.manifests.invalidate();
  await vscode.window.showTextDocument(vscode.Uri.file(handlerPath));
  return name;
}
