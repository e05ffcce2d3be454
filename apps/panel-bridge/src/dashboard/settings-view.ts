import type { DashboardState } from '../dashboard-wire.ts';
import { post } from './api.ts';
import { byId, make } from './dom.ts';
import {
  addOrchestratorFields,
  clearRefusalOnEdit,
  field,
  fillForm,
  markRefused,
  readForm,
  type Settings,
  say,
} from './settings-fields.ts';
import { fieldOfError, settingsBody } from './settings-form.ts';
import type { DashboardView } from './view.ts';

/**
 * The settings panel: extra args and variables for every environment and for one, the drain and
 * watchdog keys. Saved with `POST v2/comfyvisor/settings` (the bridge checks every field with the
 * config's rules and writes atomically); a refusal is shown under the field it names.
 */
export function settingsView(): DashboardView {
  /** Each environment's args and variables as typed, the selected one included once kept. */
  let edits = new Map<string, { args: string; env: string }>();
  let selected = '';
  let names: string[] = [];

  const keepSelected = () => {
    if (selected)
      edits.set(selected, {
        args: field('environment.extra_args').value,
        env: field('environment.env').value,
      });
  };
  const select = (name: string) => {
    selected = name;
    byId<HTMLSelectElement>('s-environment').value = name;
    const edit = edits.get(name) ?? { args: '', env: '' };
    field('environment.extra_args').value = edit.args;
    field('environment.env').value = edit.env;
  };
  const renderNames = (force = false) => {
    const list = byId<HTMLSelectElement>('s-environment');
    const all = [...new Set([...names, ...edits.keys()])].sort();
    if (!force && list.dataset.names === all.join('\n')) return;
    list.dataset.names = all.join('\n');
    if (!force) keepSelected(); // the selected environment's typing survives a new list
    list.replaceChildren(...all.map((name) => Object.assign(make('option', name), { value: name })));
    select(all.includes(selected) ? selected : (all[0] ?? ''));
  };
  const load = (s: Settings) => {
    edits = fillForm(s);
    renderNames(true);
  };

  const save = async () => {
    keepSelected();
    const built = settingsBody(readForm(edits));
    if (!built.ok) {
      markRefused(built.key, built.error);
      say(`Not saved: ${built.error}`, 'bad');
      return;
    }
    const r = await post('v2/comfyvisor/settings', built.body);
    if (r.status === 200) {
      markRefused(null, '');
      say(String(r.body?.message ?? 'Saved.'), 'ok');
      load(r.body?.settings as Settings);
      return;
    }
    const message = String(r.body?.message ?? r.body?.error ?? `the bridge answered ${r.status}`);
    const environment = /^environments\."([^"]*)"/.exec(message)?.[1];
    if (environment && edits.has(environment)) select(environment);
    markRefused(fieldOfError(message), message);
    say(`Not saved: ${message}`, 'bad');
  };

  return {
    async start() {
      addOrchestratorFields();
      clearRefusalOnEdit();
      byId<HTMLSelectElement>('s-environment').onchange = (e) => {
        keepSelected();
        select((e.target as HTMLSelectElement).value);
      };
      byId<HTMLFormElement>('settings').onsubmit = (e) => {
        e.preventDefault();
        void save();
      };
      byId('s-restart').onclick = async () => {
        const r = await post('v2/comfygit/orchestrator/restart');
        if (r.status === 200) say('Restart requested.', 'ok');
        else say(`Restart failed: ${r.body?.error ?? r.status}`, 'bad');
      };
      const response = await fetch('v2/comfyvisor/settings');
      if (response.ok) load((await response.json()) as Settings);
      else say(`The settings could not be read (${response.status}).`, 'bad');
    },
    onState(state: DashboardState) {
      names = state.environments ?? [];
      renderNames();
    },
  };
}
