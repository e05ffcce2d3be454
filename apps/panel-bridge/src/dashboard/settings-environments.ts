import { byId, make } from './dom.ts';
import { field, fillForm, type Settings } from './settings-fields.ts';

/** Each environment's extra args and variables, as typed in the settings panel. */
export type EnvironmentEdits = Map<string, { args: string; env: string }>;

/**
 * The settings panel's "one environment" fieldset: the environment picker and what was typed for
 * each environment, kept across picks and across new environment lists from the bridge.
 */
export interface EnvironmentPicker {
  /** Every environment's edits, the selected one's typing kept first. */
  edits(): EnvironmentEdits;
  /** Keeps what is typed for the selected environment. */
  keepSelected(): void;
  /** Shows this environment's edits in the fieldset. */
  select(name: string): void;
  /** The bridge's environment list (the picker also lists every environment with settings). */
  showNames(names: string[]): void;
  /** Fills the whole form with saved settings. */
  load(settings: Settings): void;
}

export function environmentPicker(): EnvironmentPicker {
  let edits: EnvironmentEdits = new Map();
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

  return {
    edits: () => edits,
    keepSelected,
    select,
    showNames(list) {
      names = list;
      renderNames();
    },
    load(settings) {
      edits = fillForm(settings);
      renderNames(true);
    },
  };
}
