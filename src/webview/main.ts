// Webview (browser): the Test Events panel's UI. Renders from a PanelState kept with setState, so it survives tab
// switches and window reloads; talks to the extension host only through the validated messages of protocol.ts.

import {
  addToHistory,
  formatCost,
  parseEventText,
  parseHostMessage,
  eventNameProblem,
  type HostMessage,
  type PanelFunction,
  type PanelResult,
  type PanelState,
  type SendTarget,
  type TriggerKind,
  type WebviewMessage,
} from './protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const restored = vscode.getState() as Partial<PanelState> | undefined;
let state: PanelState = {
  functionId: restored?.functionId,
  trigger: restored?.trigger,
  eventText: typeof restored?.eventText === 'string' ? restored.eventText : '{}',
  eventName: restored?.eventName,
  result: restored?.result,
  history: Array.isArray(restored?.history) ? restored.history : [],
};
let functions: PanelFunction[] = [];
let savedNames: string[] = [];
let busy: SendTarget | undefined;
let remoteAvailable = false;
let problem: string | undefined;

function save(next: Partial<PanelState>): void {
  state = { ...state, ...next };
  vscode.setState(state);
}

function send(message: WebviewMessage): void {
  vscode.postMessage(message);
}

/** Creates an element with attributes and children; text is always set as text, never as HTML. */
function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) if (child !== undefined) node.append(child);
  return node;
}

function button(label: string, id: string, onClick: () => void, options: { primary?: boolean; disabled?: boolean; title?: string } = {}): HTMLButtonElement {
  const node = element('button', { id, type: 'button', class: options.primary ? 'primary' : 'secondary', disabled: options.disabled, title: options.title ?? label, 'aria-label': options.title ?? label }, label);
  node.addEventListener('click', onClick);
  return node;
}

const selected = () => functions.find((fn) => fn.id === state.functionId);

function render(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const fn = selected();
  const focusedId = document.activeElement?.id;
  app.replaceChildren(
    element('h1', {}, 'Test Events'),
    renderPicker(fn),
    renderEditor(fn),
    renderResult(state.result, fn),
    renderHistory(),
  );
  if (focusedId) document.getElementById(focusedId)?.focus();
}

function renderPicker(fn: PanelFunction | undefined): HTMLElement {
  const functionSelect = element('select', { id: 'function', 'aria-label': 'Function' }, element('option', { value: '' }, 'Pick a function…'));
  for (const candidate of functions) {
    functionSelect.append(element('option', { value: candidate.id, selected: candidate.id === state.functionId }, functions.filter((other) => other.name === candidate.name).length > 1 ? `${candidate.name} (${candidate.service})` : candidate.name));
  }
  functionSelect.addEventListener('change', () => {
    save({ functionId: functionSelect.value || undefined, eventName: undefined, result: undefined });
    savedNames = [];
    const chosen = selected();
    if (chosen) {
      send({ type: 'selectFunction', functionId: chosen.id });
      if (chosen.triggers[0]) {
        save({ trigger: chosen.triggers[0] });
        send({ type: 'template', functionId: chosen.id, trigger: chosen.triggers[0] });
      }
    }
    render();
  });

  const triggerSelect = element('select', { id: 'trigger', 'aria-label': 'Trigger template', disabled: !fn });
  for (const trigger of fn?.triggers.length ? fn.triggers : (['http', 'storage', 'queue', 'schedule'] as TriggerKind[])) {
    triggerSelect.append(element('option', { value: trigger, selected: trigger === state.trigger }, trigger));
  }
  triggerSelect.addEventListener('change', () => save({ trigger: triggerSelect.value as TriggerKind }));

  const savedSelect = element('select', { id: 'saved', 'aria-label': 'Saved events', disabled: !fn || savedNames.length === 0 }, element('option', { value: '' }, savedNames.length ? 'Saved events…' : 'No saved events'));
  for (const name of savedNames) savedSelect.append(element('option', { value: name, selected: name === state.eventName }, name));
  savedSelect.addEventListener('change', () => {
    if (fn && savedSelect.value) send({ type: 'loadEvent', functionId: fn.id, name: savedSelect.value });
  });

  return element(
    'section',
    { class: 'picker', 'aria-label': 'Function and event' },
    element('label', { for: 'function' }, 'Function'),
    functionSelect,
    element('label', { for: 'trigger' }, 'Template'),
    triggerSelect,
    button('Use Template', 'use-template', () => {
      if (fn) send({ type: 'template', functionId: fn.id, trigger: (triggerSelect.value as TriggerKind) || fn.triggers[0] || 'http' });
    }, { disabled: !fn }),
    element('label', { for: 'saved' }, 'Saved'),
    savedSelect,
  );
}

/** Which of the buttons that need valid JSON are off, by id. */
function actionsDisabled(fn: PanelFunction | undefined, valid: boolean): Record<'send' | 'debug' | 'send-remote' | 'format' | 'save-as', boolean> {
  const off = !fn || !valid || busy !== undefined;
  return { send: off, debug: off, 'send-remote': off || !remoteAvailable, format: !valid, 'save-as': !fn || !valid };
}

function renderEditor(fn: PanelFunction | undefined): HTMLElement {
  const editor = element('textarea', { id: 'event', 'aria-label': 'Event JSON', spellcheck: 'false', rows: '12' });
  editor.value = state.eventText;
  editor.addEventListener('input', () => {
    save({ eventText: editor.value });
    const parsed = parseEventText(editor.value);
    const message = parsed.ok ? undefined : parsed.message;
    if (message !== problem) {
      problem = message;
      const status = document.getElementById('event-problem');
      if (status) status.textContent = problem ?? '';
    }
    // The buttons follow the JSON as it is typed (rendering again would move the caret).
    for (const [id, off] of Object.entries(actionsDisabled(fn, parsed.ok))) {
      const node = document.getElementById(id) as HTMLButtonElement | null;
      if (node) node.disabled = off;
    }
  });
  const valid = parseEventText(state.eventText).ok;
  const off = actionsDisabled(fn, valid);
  const actions = element(
    'div',
    { class: 'actions', role: 'toolbar', 'aria-label': 'Event actions' },
    button(busy === 'local' ? 'Sending…' : 'Send', 'send', () => fn && send({ type: 'send', functionId: fn.id, target: 'local', eventText: state.eventText }), { primary: true, disabled: off.send, title: 'Send (run locally)' }),
    button(busy === 'debug' ? 'Debugging…' : 'Debug', 'debug', () => fn && send({ type: 'send', functionId: fn.id, target: 'debug', eventText: state.eventText }), { disabled: off.debug, title: 'Debug (run under the debugger)' }),
    button(busy === 'remote' ? 'Sending…' : 'Send to Deployed', 'send-remote', () => fn && send({ type: 'send', functionId: fn.id, target: 'remote', eventText: state.eventText }), { disabled: off['send-remote'], title: remoteAvailable ? 'Send to deployed' : 'Send to deployed (connect a backend first)' }),
    button('Format', 'format', () => {
      const parsed = parseEventText(state.eventText);
      if (parsed.ok) {
        save({ eventText: JSON.stringify(parsed.event, null, 2) });
        render();
      }
    }, { disabled: off.format }),
    button('Save As…', 'save-as', () => promptName('Save event as', state.eventName ?? '', (name) => fn && send({ type: 'saveEvent', functionId: fn.id, name, eventText: state.eventText })), { disabled: off['save-as'] }),
    button('Rename…', 'rename', () => {
      const from = state.eventName;
      if (fn && from) promptName(`Rename "${from}" to`, from, (to) => {
        save({ eventName: to });
        send({ type: 'renameEvent', functionId: fn.id, from, to });
      });
    }, { disabled: !fn || !state.eventName }),
    button('Delete', 'delete', () => fn && state.eventName && send({ type: 'deleteEvent', functionId: fn.id, name: state.eventName }), { disabled: !fn || !state.eventName }),
  );
  problem = valid ? undefined : (parseEventText(state.eventText) as { message: string }).message;
  return element(
    'section',
    { class: 'editor', 'aria-label': 'Event' },
    element('label', { for: 'event' }, state.eventName ? `Event — ${state.eventName}` : 'Event'),
    editor,
    element('div', { id: 'event-problem', class: 'problem', role: 'status', 'aria-live': 'polite' }, problem ?? ''),
    element('div', { id: 'name-prompt' }),
    actions,
  );
}

/** An inline name field instead of window.prompt, which webviews block. */
function promptName(label: string, initial: string, accept: (name: string) => void): void {
  const host = document.getElementById('name-prompt');
  if (!host) return;
  const input = element('input', { id: 'event-name', type: 'text', 'aria-label': label, value: initial, placeholder: 'event name' });
  const hint = element('span', { class: 'problem', role: 'status' });
  const ok = () => {
    const issue = eventNameProblem(input.value);
    if (issue) {
      hint.textContent = issue;
      return;
    }
    accept(input.value);
    save({ eventName: input.value });
    host.replaceChildren();
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') ok();
    if (event.key === 'Escape') host.replaceChildren();
  });
  host.replaceChildren(element('label', { for: 'event-name' }, label), input, button('OK', 'event-name-ok', ok, { primary: true }), hint);
  input.focus();
  input.select();
}

function metric(label: string, value: string, id: string): HTMLElement {
  return element('div', { class: 'metric', id }, element('span', { class: 'metric-label' }, label), element('span', { class: 'metric-value' }, value));
}

function renderResult(result: PanelResult | undefined, fn: PanelFunction | undefined): HTMLElement {
  const section = element('section', { class: 'result', id: 'result', 'aria-label': 'Result', 'aria-live': 'polite' });
  if (!result) {
    const hint = fn
      ? `Edit the event for ${fn.name} (or pick a template or a saved event), then Send.`
      : functions.length
        ? 'Pick a function, start from a template or a saved event, then Send.'
        : 'No function in this workspace yet: a function project has a nimbus.yaml at its root (Nimbus: Create Function makes one).';
    section.append(element('p', { class: 'hint' }, hint));
    return section;
  }
  const status = result.http ? `HTTP ${result.http.statusCode}` : result.ok ? 'OK' : 'Error';
  section.append(
    element('h2', {}, element('span', { class: `badge ${result.ok && (!result.http || result.http.statusCode < 400) ? 'ok' : 'failed'}`, id: 'result-status' }, status), ` ${result.functionName} · ${result.target}`, result.coldStart ? element('span', { class: 'badge cold', id: 'cold-start' }, 'cold start') : undefined),
    element(
      'div',
      { class: 'metrics', role: 'group', 'aria-label': 'Invocation metrics' },
      metric('Duration', `${result.durationMs.toFixed(2)} ms`, 'metric-duration'),
      metric('Init duration', result.initDurationMs === undefined ? '— (warm)' : `${result.initDurationMs.toFixed(2)} ms`, 'metric-init'),
      metric('Billed', `${result.billedMs} ms`, 'metric-billed'),
      metric('Memory', `${Math.round(result.maxMemoryUsedMB)} / ${result.memorySizeMB} MB`, 'metric-memory'),
      metric('Cost', formatCost(result.costUsd), 'metric-cost'),
    ),
  );
  if (result.http) {
    const headers = Object.entries(result.http.headers).map(([key, value]) => `${key}: ${value}`).join('\n');
    if (headers) section.append(element('h3', {}, 'Headers'), element('pre', { id: 'result-headers' }, headers));
  }
  const body = result.http ? result.http.body : result.body;
  section.append(
    element('h3', {}, result.ok ? 'Response' : 'Error'),
    element('pre', { id: 'result-body', tabindex: '0' }, typeof body === 'string' ? body : JSON.stringify(body, null, 2)),
    element('h3', {}, 'Logs'),
    element('pre', { id: 'result-logs', class: 'logs', tabindex: '0' }, [...result.logs, ...(result.report ? [result.report] : [])].join('\n') || '(no output)'),
  );
  return section;
}

function renderHistory(): HTMLElement {
  const list = element('ol', { id: 'history', 'aria-label': 'Recent invocations' });
  for (const entry of state.history) {
    const fn = functions.find((candidate) => candidate.id === entry.functionId);
    const resend = button('Re-send', '', () => {
      save({ functionId: entry.functionId, eventText: entry.eventText });
      render();
      send({ type: 'send', functionId: entry.functionId, target: entry.target === 'debug' ? 'local' : entry.target, eventText: entry.eventText });
    }, { disabled: !fn || busy !== undefined, title: `Re-send to ${fn?.name ?? 'a removed function'}` });
    resend.removeAttribute('id');
    list.append(element('li', {}, element('span', { class: `badge ${entry.ok ? 'ok' : 'failed'}` }, entry.ok ? 'ok' : 'error'), ` ${fn?.name ?? '?'} · ${entry.target} · ${entry.durationMs.toFixed(1)} ms · ${new Date(entry.time).toLocaleTimeString()} `, resend));
  }
  return element('section', { class: 'history', 'aria-label': 'History' }, element('h2', {}, 'History'), state.history.length ? list : element('p', { class: 'hint' }, 'Nothing sent yet.'));
}

function receive(message: HostMessage): void {
  switch (message.type) {
    case 'functions': {
      functions = message.functions;
      remoteAvailable = message.remoteAvailable;
      const wanted = message.selectedId ?? state.functionId;
      const next = functions.find((fn) => fn.id === wanted) ?? (functions.length === 1 ? functions[0] : undefined);
      const changed = next?.id !== state.functionId;
      if (changed) save({ functionId: next?.id, result: undefined, eventName: undefined });
      if (next) {
        send({ type: 'selectFunction', functionId: next.id });
        // A new function starts from its first trigger's sample event rather than an empty object.
        const trigger = next.triggers[0];
        if (trigger && (changed || state.eventText.trim() === '{}' || state.eventText.trim() === '')) {
          save({ trigger });
          send({ type: 'template', functionId: next.id, trigger });
        }
      }
      break;
    }
    case 'savedEvents':
      if (message.functionId === state.functionId) savedNames = message.names;
      break;
    case 'eventText':
      if (message.functionId === state.functionId) save({ eventText: message.eventText, eventName: message.name });
      break;
    case 'busy':
      busy = message.target;
      break;
    case 'result':
      save({
        result: message.result,
        history: addToHistory(state.history, {
          functionId: state.functionId ?? '',
          target: message.result.target,
          eventText: state.eventText,
          ok: message.result.ok,
          durationMs: message.result.durationMs,
          time: message.result.time,
        }),
      });
      break;
    case 'error': {
      render();
      // Shown where the user looks after pressing a button: under the event.
      const status = document.getElementById('event-problem');
      if (status) status.textContent = message.message;
      return;
    }
  }
  render();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostMessage(event.data);
  if (message) receive(message);
});
render();
send({ type: 'ready' });
