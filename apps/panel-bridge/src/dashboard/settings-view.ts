import type { DashboardState } from '../dashboard-wire.ts';
import { post } from './api.ts';
import { byId, make } from './dom.ts';
import {
  argsToText,
  envToText,
  fieldOfError,
  fieldToText,
  ORCHESTRATOR_FIELDS,
  textToArgs,
  textToEnv,
  textToField,
} from './settings-form.ts';
import type { DashboardView } from './view.ts';

interface Settings {
  path: string;
  comfyui: { extra_args: string[]; env: Record<string, string> };
  orchestrator: Record<string, unknown>;
  environments: Record<string, { extra_args: string[]; env: Record<string, string> }>;
}
type EnvEdit = { args: string; env: string };

const field = (key: string) =>
  document.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[data-key="${key}"]`);

/** The settings panel: args and variables (global and per environment), the drain and watchdog keys. */
export function settingsView(): DashboardView {
  const edits = new Map<string, EnvEdit>();
  let selected = '';
  let names: string[] = [];

  const say = (text: string, kind: 'ok' | 'bad' | '') => {
    byId('settings-result').textContent = text;
    byId('settings-result').className = kind;
  };
  const markInvalid = (key: string | null, message: string) => {
    for (const el of document.querySelectorAll('#settings [aria-invalid]'))
      el.removeAttribute('aria-invalid');
    for (const el of document.querySelectorAll('#settings .field-error')) el.remove();
    const el = key ? field(key) : null;
    if (!el) return;
    el.setAttribute('aria-invalid', 'true');
    const note = make('div', message);
    note.className = 'field-error bad';
    el.insertAdjacentElement('afterend', note);
    el.focus();
  };
  const keepSelected = () => {
    if (!selected) return;
    edits.set(selected, {
      args: (field('environment.extra_args') as HTMLTextAreaElement).value,
      env: (field('environment.env') as HTMLTextAreaElement).value,
    });
  };
  const showSelected = () => {
    const edit = edits.get(selected) ?? { args: '', env: '' };
    (field('environment.extra_args') as HTMLTextAreaElement).value = edit.args;
    (field('environment.env') as HTMLTextAreaElement).value = edit.env;
  };
  const renderNames = () => {
    const select = byId<HTMLSelectElement>('s-environment');
    const all = [...new Set([...names, ...edits.keys()])].sort();
    if (select.dataset.names === all.join('\n')) return;
    select.dataset.names = all.join('\n');
    select.replaceChildren(...all.map((name) => Object.assign(make('option', name), { value: name })));
    if (!selected || !all.includes(selected)) selected = all[0] ?? '';
    select.value = selected;
    showSelected();
  };

  const fill = (s: Settings) => {
    byId('settings-path').textContent = s.path;
    (field('comfyui.extra_args') as HTMLTextAreaElement).value = argsToText(s.comfyui.extra_args);
    (field('comfyui.env') as HTMLTextAreaElement).value = envToText(s.comfyui.env);
    for (const [key, kind] of ORCHESTRATOR_FIELDS) {
      const el = field(`orchestrator.${key}`);
      if (!el) continue;
      if (kind === 'boolean') (el as HTMLInputElement).checked = s.orchestrator[key] === true;
      else el.value = fieldToText(kind, s.orchestrator[key]);
    }
    edits.clear();
    for (const [name, entry] of Object.entries(s.environments))
      edits.set(name, { args: argsToText(entry.extra_args), env: envToText(entry.env) });
    byId<HTMLSelectElement>('s-environment').dataset.names = '';
    renderNames();
  };

  /** The body of the POST, or the first field a typing slip makes unreadable. */
  const collect = (): { body: Record<string, unknown> } | { key: string; error: string } => {
    keepSelected();
    const env = textToEnv((field('comfyui.env') as HTMLTextAreaElement).value);
    if (!env.ok) return { key: 'comfyui.env', error: env.error };
    const orchestrator: Record<string, unknown> = {};
    for (const [key, kind] of ORCHESTRATOR_FIELDS) {
      const el = field(`orchestrator.${key}`) as HTMLInputElement;
      const parsed = textToField(kind, el.value, el.checked);
      if (!parsed.ok) return { key: `orchestrator.${key}`, error: `${key} ${parsed.error}` };
      orchestrator[key] = parsed.value;
    }
    const environments: Record<string, unknown> = {};
    for (const [name, edit] of edits) {
      const vars = textToEnv(edit.env);
      if (!vars.ok) return { key: 'environment.env', error: `${name}: ${vars.error}` };
      const args = textToArgs(edit.args);
      const empty = args.length === 0 && Object.keys(vars.value).length === 0;
      environments[name] = empty ? null : { extra_args: args, env: vars.value };
    }
    return {
      body: {
        comfyui: {
          extra_args: textToArgs((field('comfyui.extra_args') as HTMLTextAreaElement).value),
          env: env.value,
        },
        orchestrator,
        environments,
      },
    };
  };

  const save = async () => {
    const collected = collect();
    if ('error' in collected) {
      markInvalid(collected.key, collected.error);
      say(`Not saved: ${collected.error}`, 'bad');
      return;
    }
    const r = await post('v2/comfyvisor/settings', collected.body);
    if (r.status === 200) {
      markInvalid(null, '');
      say(String(r.body?.message ?? 'Saved.'), 'ok');
      fill(r.body?.settings as Settings);
      return;
    }
    const message = String(r.body?.message ?? r.body?.error ?? `the bridge answered ${r.status}`);
    const key = fieldOfError(message);
    if (key?.startsWith('environment.')) {
      const name = /^environments\."([^"]*)"/.exec(message)?.[1];
      if (name && name !== selected) {
        selected = name;
        byId<HTMLSelectElement>('s-environment').value = name;
        showSelected();
      }
    }
    markInvalid(key, message);
    say(`Not saved: ${message}`, 'bad');
  };

  return {
    async start() {
      for (const [key, kind, label] of ORCHESTRATOR_FIELDS) {
        const input =
          kind === 'lines'
            ? make('textarea')
            : Object.assign(make('input'), { type: kind === 'boolean' ? 'checkbox' : 'text' });
        input.dataset.key = `orchestrator.${key}`;
        if (kind === 'number') input.setAttribute('inputmode', 'decimal');
        const wrap = make('label', label);
        wrap.className = kind === 'boolean' ? 'check' : '';
        if (kind === 'boolean') wrap.prepend(input);
        else wrap.append(input);
        byId('s-orchestrator').append(wrap);
      }
      byId<HTMLSelectElement>('s-environment').onchange = (e) => {
        keepSelected();
        selected = (e.target as HTMLSelectElement).value;
        showSelected();
      };
      byId<HTMLFormElement>('settings').onsubmit = (e) => {
        e.preventDefault();
        void save();
      };
      byId('s-restart').onclick = async () => {
        const r = await post('v2/comfygit/orchestrator/restart');
        say(
          r.status === 200
            ? 'Restart requested: the new settings apply as ComfyUI starts.'
            : `Restart failed: ${r.body?.error}`,
          r.status === 200 ? 'ok' : 'bad',
        );
      };
      const response = await fetch('v2/comfyvisor/settings');
      if (response.ok) fill((await response.json()) as Settings);
      else say(`The settings could not be read (${response.status}).`, 'bad');
    },
    onState(state: DashboardState) {
      names = state.environments ?? [];
      renderNames();
    },
  };
}
