// Integration tests: the extension inside a real VS Code with the examples workspace — activation, both trees
// against the manifest and a real backend, deploy, invoke, a debug session stopping at a breakpoint, the manifest
// language server and the Test Events panel.
import * as assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { NimbusApi } from '../../../src/extension/main';
import { inEditorTerms } from '../../../src/extension/ctx';
import { BackendClient } from '../../../src/client';
import type { NimbusError } from '../../../src/shared/errors';
import type { InvocationResult } from '../../../src/shared/invocation';
import type { DeployResponse } from '../../../src/shared/backendApi';
import { screenshot, startBackend, waitFor, within, type RunningBackend } from './helpers';

const workspaceRoot = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

export function suite(): void {
  describe('Nimbus extension', () => {
    let api: NimbusApi;
    let backend: RunningBackend;

    before(async () => {
      const extension = vscode.extensions.getExtension<NimbusApi>('nimbus.nimbus-faas');
      assert.ok(extension, 'the extension nimbus.nimbus-faas is installed');
      api = await extension.activate();
      // Reported, not asserted: timings belong to benchmarks. The README records it.
      console.log(`@@METRIC activation ${api.activationMs.toFixed(1)} ms (bundle load included)`);
      backend = await startBackend();
    });

    after(async () => {
      await vscode.debug.stopDebugging();
      await backend?.stop();
    });

    it('activates on the examples workspace and registers every command of DESIGN §7', async () => {
      const commands = await vscode.commands.getCommands(true);
      for (const id of ['invoke', 'debug', 'deploy', 'deployAll', 'openTestEvents', 'invokeRemote', 'tailLogs', 'deleteDeployed', 'rollback', 'startLocalBackend', 'connectBackend', 'createFunction', 'refresh']) {
        assert.ok(commands.includes(`nimbus.${id}`), `nimbus.${id} is registered`);
      }
    });

    it('lists the manifest\'s functions and their triggers in Local Functions', async () => {
      const functions = await api.localView.getChildren();
      const names = functions.map((node) => (node.kind === 'function' ? node.ref.fn.name : node.kind));
      assert.deepEqual(names, ['api', 'status', 'thumbnail', 'orders', 'report']);
      const report = functions.find((node) => node.kind === 'function' && node.ref.fn.name === 'report')!;
      const [schedule] = await api.localView.getChildren(report);
      const item = api.localView.getTreeItem(schedule);
      assert.equal(item.label, '*/5 * * * *');
      assert.match(String(item.description), /^schedule · next \d\d:\d\d UTC$/);
      await vscode.commands.executeCommand('workbench.view.extension.nimbus');
      await vscode.commands.executeCommand('nimbus.localFunctions.focus');
      await screenshot('01-local-functions');
    });

    it('invokes a function locally from a command and returns its result', async () => {
      const event = { version: '2.0', routeKey: 'GET /hello/{name}', rawPath: '/hello/nimbus', rawQueryString: '', headers: {}, pathParameters: { name: 'nimbus' }, requestContext: { http: { method: 'GET', path: '/hello/nimbus' } }, isBase64Encoded: false };
      const result = await vscode.commands.executeCommand<InvocationResult>('nimbus.invoke', 'api', event);
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.equal(result.functionName, 'api');
      assert.equal((result.result as { statusCode: number }).statusCode, 200);
      assert.ok(result.report.billedMs >= 1);
    });

    it('runs the edited code once a handler is saved in the editor, with no reload', async () => {
      const event = { version: '2.0', routeKey: 'GET /status', rawPath: '/status', rawQueryString: '', headers: {}, requestContext: { http: { method: 'GET', path: '/status' } }, isBase64Encoded: false };
      const statusOf = async () => {
        const result = await vscode.commands.executeCommand<InvocationResult>('nimbus.invoke', 'status', event);
        assert.equal(result.error, undefined, JSON.stringify(result.error));
        return (JSON.parse((result.result as { body: string }).body) as { status: string }).status;
      };
      assert.equal(await statusOf(), 'ok', 'a warm instance with the code as it was');
      const document = await vscode.workspace.openTextDocument(join(workspaceRoot(), 'src', 'status.ts'));
      const original = document.getText();
      const editor = await vscode.window.showTextDocument(document);
      const at = original.indexOf("status: 'ok'");
      try {
        await editor.edit((edit) => edit.replace(new vscode.Range(document.positionAt(at), document.positionAt(at + "status: 'ok'".length)), "status: 'edited'"));
        assert.ok(await document.save());
        // At once: a Send right after a save runs what was saved.
        assert.equal(await statusOf(), 'edited');
      } finally {
        await editor.edit((edit) => edit.replace(new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), original));
        await document.save();
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      }
      assert.equal(await statusOf(), 'ok');
    });

    it('connects to a real backend, deploys for real and lists the deployment in Deployed Functions', async () => {
      await vscode.commands.executeCommand('nimbus.connectBackend', backend.url, backend.token);
      const responses = await vscode.commands.executeCommand<DeployResponse[]>('nimbus.deploy', 'api');
      assert.equal(responses.length, 1);
      assert.equal(responses[0].name, 'api');
      const deployed = await api.deployedView.getChildren();
      assert.deepEqual(deployed.map((node) => (node.kind === 'deployed' ? node.summary.name : node.kind)), ['api']);
      const details = await api.deployedView.getChildren(deployed[0]);
      const labels = details.map((node) => (node.kind === 'deployedDetail' ? node.row.label : node.kind));
      assert.ok(labels.includes('Version 1'), labels.join(', '));
      assert.ok(labels.includes('GET /hello/{name}'), labels.join(', '));
      const response = await fetch(`${backend.url}/fn/hello/world`);
      assert.equal(response.status, 200, await response.text());
      const backends = api.ctx.backends.entries();
      assert.ok(backends.some((entry) => entry.url === backend.url));
      // The view reads the backend when it is shown; the screenshot waits for that read.
      const shown = new Promise<number>((resolve) => {
        const subscription = api.deployedView.onDidLoad((count) => {
          subscription.dispose();
          resolve(count);
        });
      });
      await vscode.commands.executeCommand('nimbus.deployedFunctions.focus');
      api.deployedView.refresh();
      assert.equal(await within('the Deployed Functions view to load', shown), 1);
      await screenshot('02-deployed-functions');
    });

    it('stops at a breakpoint in a TypeScript handler in a session started with vscode.debug.startDebugging', async () => {
      const handler = vscode.Uri.file(join(workspaceRoot(), 'src', 'thumbnail.ts'));
      const source = await readFile(handler.fsPath, 'utf8');
      const line = source.split('\n').findIndex((text) => text.includes('console.info(`planned'));
      assert.ok(line > 0);
      await vscode.window.showTextDocument(handler);
      const breakpoint = new vscode.SourceBreakpoint(new vscode.Location(handler, new vscode.Position(line, 0)));
      vscode.debug.addBreakpoints([breakpoint]);
      const stopped = new Promise<{ session: vscode.DebugSession; threadId: number }>((resolve) => {
        const tracker = vscode.debug.registerDebugAdapterTrackerFactory('nimbus', {
          createDebugAdapterTracker: (session) => ({
            onDidSendMessage: (message: { type: string; event?: string; body?: { threadId: number } }) => {
              if (message.type === 'event' && message.event === 'stopped') {
                tracker.dispose();
                resolve({ session, threadId: message.body!.threadId });
              }
            },
          }),
        });
      });
      try {
        const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], {
          type: 'nimbus',
          request: 'launch',
          name: 'Debug thumbnail',
          manifest: join(workspaceRoot(), 'nimbus.yaml'),
          function: 'thumbnail',
          trigger: 'storage',
        });
        assert.ok(started, 'the debug session started');
        const { session, threadId } = await within('the breakpoint to hit', stopped, 90_000);
        const trace = (await session.customRequest('stackTrace', { threadId, startFrame: 0, levels: 1 })) as { stackFrames: { line: number; source?: { path?: string } }[] };
        const top = trace.stackFrames[0];
        // The workbench may hand back the path as a URI of the remote extension host; compare the file path.
        const stoppedPath = top.source?.path ?? '';
        assert.equal(/^[a-z-]+:\/\//.test(stoppedPath) ? vscode.Uri.parse(stoppedPath).path : stoppedPath, handler.path);
        assert.equal(top.line, line + 1);
        await screenshot('03-debug-stopped');
      } finally {
        await vscode.debug.stopDebugging();
        vscode.debug.removeBreakpoints([breakpoint]);
      }
    });

    it('shows the language server\'s diagnostic for a broken manifest', async () => {
      const folder = join(workspaceRoot(), 'broken');
      await mkdir(folder, { recursive: true });
      const file = vscode.Uri.file(join(folder, 'nimbus.yaml'));
      await writeFile(file.fsPath, 'functions:\n  oops:\n    handler: src/missing.handler\n    memory: lots\n');
      try {
        await vscode.window.showTextDocument(file);
        const diagnostics = await waitFor('diagnostics on broken/nimbus.yaml', () => {
          const found = vscode.languages.getDiagnostics(file);
          return found.length > 0 ? found : undefined;
        }, 60_000);
        assert.ok(diagnostics.some((diagnostic) => diagnostic.range.start.line === 3), diagnostics.map((diagnostic) => `${diagnostic.range.start.line}: ${diagnostic.message}`).join('\n'));
        await screenshot('04-manifest-diagnostic');
        // Local Functions says the file needs fixing (it would otherwise look like a workspace with no functions).
        const row = await waitFor('the broken manifest in Local Functions', async () => {
          api.ctx.manifests.invalidate();
          const nodes = await api.localView.getChildren();
          return nodes.find((node) => node.kind === 'brokenManifest');
        }, 10_000);
        const item = api.localView.getTreeItem(row);
        assert.equal(item.label, 'broken/nimbus.yaml');
        assert.match(String(item.description), /^1 error: functions\.oops\.memory: /);
        assert.equal(item.command?.command, 'vscode.open');
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('opens the Test Events panel and sends an event through it locally and to the deployed function', async () => {
      await vscode.commands.executeCommand('nimbus.openTestEvents', 'thumbnail');
      const tab = await waitFor('the Test Events tab', () =>
        vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((candidate) => candidate.input instanceof vscode.TabInputWebview && candidate.input.viewType.endsWith('nimbus.testEvents')),
      );
      assert.equal(tab.label, 'Nimbus Test Events');
      const ref = (await api.ctx.manifests.byName('thumbnail'))!;
      const event = { Records: [{ s3: { bucket: { name: 'uploads' }, object: { key: 'img/cat.png', size: 1234 } } }] };
      // Give the webview its first render before sending, as a person would see it.
      await screenshot('05-test-events-panel');
      const result = await api.panels.sendEvent(ref, 'local', event);
      assert.equal(result.ok, true, JSON.stringify(result.body));
      assert.deepEqual(result.body, [{ source: 'img/cat.png', target: 'thumbs/128/cat.png', size: 128, bytes: 1234 }]);
      // "Send to Deployed": the same event through the connected backend (connected by the deploy test above).
      await vscode.commands.executeCommand('nimbus.deploy', 'thumbnail');
      const remote = await api.panels.sendEvent(ref, 'remote', event);
      assert.equal(remote.target, 'remote');
      assert.equal(remote.ok, true, JSON.stringify(remote.body));
      assert.deepEqual(remote.body, result.body);
      assert.ok(remote.logs.some((line) => line.includes('img/cat.png')), remote.logs.join('\n'));
      const stored = await fetch(`${backend.url}/api/v1/functions/thumbnail/logs?newest=true`, { headers: { authorization: `Bearer ${backend.token}` } });
      assert.equal(stored.status, 200, await stored.clone().text());
      assert.ok(JSON.stringify(await stored.json()).includes(`REPORT RequestId: ${remote.requestId}`), 'the backend stored the panel\'s invocation');
      await vscode.commands.executeCommand('workbench.action.closePanel');
      await vscode.commands.executeCommand('notifications.clearAll');
      await screenshot('06-test-events-result');
    });

    it('starts the local companion backend (the welcome view\'s "Start Local Backend"), deploys to it, tails its logs and stops it', async () => {
      const url = await vscode.commands.executeCommand<string>('nimbus.startLocalBackend');
      try {
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const connection = api.ctx.backends.current;
        assert.equal(connection?.url, url);
        assert.equal(connection?.local, true);
        // Its embedded store lives in the workspace, with the token the extension read from the file it wrote.
        assert.ok(api.ctx.backends.entries().some((entry) => entry.url === url && entry.local));
        const [deployed] = await vscode.commands.executeCommand<DeployResponse[]>('nimbus.deploy', 'api');
        assert.equal(deployed?.name, 'api');
        const response = await fetch(`${url}/fn/hello/local`);
        assert.equal(response.status, 200, await response.clone().text());
        assert.match(await response.text(), /local/);
        assert.equal(await vscode.commands.executeCommand('nimbus.tailLogs', 'api'), true);
        assert.deepEqual(api.tails.names(), ['api']);
      } finally {
        await vscode.commands.executeCommand('nimbus.stopLocalBackend');
      }
      // A tail of a backend that is gone ends rather than retrying it every few seconds.
      await waitFor('the tail of the stopped backend to end', () => api.tails.names().length === 0, 5_000);
      assert.equal(api.ctx.backends.localRunning, false);
      assert.equal(api.ctx.backends.current, undefined);
      await assert.rejects(fetch(`${url}/api/v1/functions`), 'the local backend stopped listening');
      // Later tests (and a person) go on with the backend they connected to before.
      await vscode.commands.executeCommand('nimbus.connectBackend', backend.url, backend.token);
    });

    it('words the fixes of backend errors in the editor\'s terms, not the CLI\'s', async () => {
      const client = new BackendClient({ url: backend.url, token: 'wrong', retries: 0 });
      const refused = await client.listFunctions().catch((error: NimbusError) => error);
      assert.match(inEditorTerms(refused as NimbusError), /^The backend refused the token: connect to it again with its token \(Nimbus: Connect to Backend…/);
      const missing = await new BackendClient({ url: backend.url, token: backend.token, retries: 0 }).invoke('nope', {}).catch((error: NimbusError) => error);
      assert.equal(inEditorTerms(missing as NimbusError), 'function nope is not deployed; deploy it first (right-click it → Nimbus: Deploy Function)');
      const gone = await new BackendClient({ url: 'http://127.0.0.1:9', token: 'x', retries: 0 }).listFunctions().catch((error: NimbusError) => error);
      assert.match(inEditorTerms(gone as NimbusError), /could not be reached\. Start it \(Nimbus: Start Local Backend\) or connect to one that runs/);
    });

    it('says the connected backend cannot be reached, rather than that nothing is deployed', async () => {
      const other = await startBackend();
      await vscode.commands.executeCommand('nimbus.connectBackend', other.url, other.token);
      try {
        assert.deepEqual(await api.deployedView.getChildren(), [], 'a backend with nothing deployed');
        await other.stop();
        const [row, ...rest] = await api.deployedView.getChildren();
        assert.equal(rest.length, 0);
        const item = api.deployedView.getTreeItem(row!);
        assert.deepEqual([item.label, item.description], ['Cannot reach the backend', other.url]);
      } finally {
        await vscode.commands.executeCommand('nimbus.connectBackend', backend.url, backend.token);
      }
      const names = (await api.deployedView.getChildren()).map((node) => (node.kind === 'deployed' ? node.summary.name : node.kind));
      assert.ok(!names.includes('deployedDetail'), names.join(', '));
    });
  });
}
