import type { DashboardState } from '../dashboard-wire.ts';
import { post } from './api.ts';
import { byId } from './dom.ts';
import { type EnvironmentPicker, environmentPicker } from './settings-environments.ts';
import {
  addOrchestratorFields,
  clearRefusalOnEdit,
  markRefused,
  readForm,
  type Settings,
  say,
} from './settings-fields.ts';
import { fieldOfError, settingsBody } from './settings-form.ts';
import type { DashboardView } from './view.ts';

/** Checks the form, posts it, and shows the answer: the saved settings, or the refusal at its field. */
async function saveSettings(picker: EnvironmentPicker): Promise<void> {
  picker.keepSelected();
  const built = settingsBody(readForm(picker.edits()));
  if (!built.ok) {
    markRefused(built.key, built.error);
    say(`Not saved: ${built.error}`, 'bad');
    return;
  }
  const r = await post('v2/comfyvisor/settings', built.body);
  if (r.status === 200) {
    markRefused(null, '');
    say(String(r.body?.message ?? 'Saved.'), 'ok');
    picker.load(r.body?.settings as Settings);
    return;
  }
  const message = String(r.body?.message ?? r.body?.error ?? `the bridge answered ${r.status}`);
  const environment = /^environments\."([^"]*)"/.exec(message)?.[1];
  if (environment && picker.edits().has(environment)) picker.select(environment);
  markRefused(fieldOfError(message), message);
  say(`Not saved: ${message}`, 'bad');
}

/** The environment picker, the save button and the restart button. */
function wireSettingsForm(picker: EnvironmentPicker): void {
  byId<HTMLSelectElement>('s-environment').onchange = (e) => {
    picker.keepSelected();
    picker.select((e.target as HTMLSelectElement).value);
  };
  byId<HTMLFormElement>('settings').onsubmit = (e) => {
    e.preventDefault();
    void saveSettings(picker);
  };
  byId('s-restart').onclick = async () => {
    const r = await post('v2/comfygit/orchestrator/restart');
    if (r.status === 200) say('Restart requested.', 'ok');
    else say(`Restart failed: ${r.body?.error ?? r.status}`, 'bad');
  };
}

/**
 * The settings panel: extra args and variables for every environment and for one, the drain and
 * watchdog keys. Saved with `POST v2/comfyvisor/settings` (the bridge checks every field with the
 * config's rules and writes atomically); a refusal is shown under the field it names.
 */
export function settingsView(): DashboardView {
  const picker = environmentPicker();
  return {
    async start() {
      addOrchestratorFields();
      clearRefusalOnEdit();
      wireSettingsForm(picker);
      const response = await fetch('v2/comfyvisor/settings');
      if (response.ok) picker.load((await response.json()) as Settings);
      else say(`The settings could not be read (${response.status}).`, 'bad');
    },
    onState(state: DashboardState) {
      picker.showNames(state.environments ?? []);
    },
  };
}
