/** The settings panel's form in the page: its fields by key, filled, read, and marked refused. */
import { byId, make } from './dom.ts';
import { argsToText, envToText, type FormValues, fieldToText, ORCHESTRATOR_FIELDS } from './settings-form.ts';

/** `GET v2/comfyvisor/settings`, the parts the form shows. */
export interface Settings {
  path: string;
  comfyui: { extra_args: string[]; env: Record<string, string> };
  orchestrator: Record<string, unknown>;
  environments: Record<string, { extra_args: string[]; env: Record<string, string> }>;
}

/** The field with this `data-key` (`comfyui.env`, `orchestrator.drain_timeout_s`, `environment.env`). */
export function field(key: string): HTMLInputElement | HTMLTextAreaElement {
  const el = document.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[data-key="${key}"]`);
  if (!el) throw new Error(`the settings form has no field ${key}`);
  return el;
}

/** One input per orchestrator key, with its label, in the "Drain and watchdogs" box. */
export function addOrchestratorFields(): void {
  for (const [key, kind, label] of ORCHESTRATOR_FIELDS) {
    const input = kind === 'lines' ? make('textarea') : make('input');
    if (input instanceof HTMLInputElement) input.type = kind === 'boolean' ? 'checkbox' : 'text';
    input.dataset.key = `orchestrator.${key}`;
    if (kind === 'number') input.setAttribute('inputmode', 'decimal');
    const wrap = make('label', label);
    if (kind === 'boolean') {
      wrap.className = 'check';
      wrap.prepend(input);
    } else wrap.append(input);
    byId('s-orchestrator').append(wrap);
  }
}

/** Fills the global and orchestrator fields; the environments' entries are returned as typed text. */
export function fillForm(s: Settings): Map<string, { args: string; env: string }> {
  byId('settings-path').textContent = s.path;
  field('comfyui.extra_args').value = argsToText(s.comfyui.extra_args);
  field('comfyui.env').value = envToText(s.comfyui.env);
  for (const [key, kind] of ORCHESTRATOR_FIELDS) {
    const el = field(`orchestrator.${key}`);
    if (kind === 'boolean') (el as HTMLInputElement).checked = s.orchestrator[key] === true;
    else el.value = fieldToText(kind, s.orchestrator[key]);
  }
  return new Map(
    Object.entries(s.environments).map(([name, e]) => [
      name,
      { args: argsToText(e.extra_args), env: envToText(e.env) },
    ]),
  );
}

/** What the form holds (the environments' edits are kept by the view). */
export function readForm(environments: FormValues['environments']): FormValues {
  const orchestrator: FormValues['orchestrator'] = {};
  for (const [key] of ORCHESTRATOR_FIELDS) {
    const el = field(`orchestrator.${key}`);
    orchestrator[key] = { text: el.value, checked: el instanceof HTMLInputElement && el.checked };
  }
  return {
    extraArgs: field('comfyui.extra_args').value,
    env: field('comfyui.env').value,
    orchestrator,
    environments,
  };
}

/** Marks one field refused, with the message under it (and clears any other); null clears all. */
export function markRefused(key: string | null, message: string): void {
  for (const el of document.querySelectorAll('#settings [aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of document.querySelectorAll('#settings .field-error')) el.remove();
  const el = key ? document.querySelector<HTMLElement>(`[data-key="${key}"]`) : null;
  if (!el) return;
  el.setAttribute('aria-invalid', 'true');
  const note = make('div', message);
  note.className = 'field-error bad';
  el.insertAdjacentElement('afterend', note);
  el.focus();
}

/** A field's refusal goes away as soon as it is edited. */
export function clearRefusalOnEdit(): void {
  byId('settings').addEventListener('input', (e) => {
    const el = e.target as HTMLElement;
    if (el.getAttribute('aria-invalid') !== 'true') return;
    el.removeAttribute('aria-invalid');
    if (el.nextElementSibling?.classList.contains('field-error')) el.nextElementSibling.remove();
  });
}

/** The line under the buttons. */
export function say(text: string, kind: 'ok' | 'bad' | ''): void {
  byId('settings-result').textContent = text;
  byId('settings-result').className = kind;
}
