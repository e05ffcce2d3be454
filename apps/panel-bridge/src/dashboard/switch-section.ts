import { post } from './api.ts';
import { byId, make } from './dom.ts';
import type { Note } from './messages.ts';
import { type SwitchStatusView, switchBusy, switchLine, switchOutcome } from './outcome.ts';

/** Draws the switch's progress, state and end; true while a switch runs (its buttons wait). */
export function renderSwitch(s: SwitchStatusView, note: Note): boolean {
  const busy = switchBusy(s);
  const progress = typeof s.progress === 'number' ? s.progress : 0;
  byId<HTMLProgressElement>('progress').value = progress;
  byId('progress').setAttribute('aria-valuenow', String(progress));
  byId('switch-state').textContent = switchLine(s);
  note(typeof s.message === 'string' && s.state !== 'idle' ? s.message : '');
  const o = switchOutcome(s);
  byId('switch-outcome').textContent = o ? o.text : '';
  byId('switch-outcome').className = o ? o.kind : '';
  return busy;
}

/** The environments with a switch button each; redrawn only when the names, current or busy change. */
export function renderEnvironments(names: string[], current: string | null, busy: boolean, note: Note): void {
  const list = byId('environments');
  const key = `${names.join(',')}|${current}|${busy}`;
  if (list.dataset.names === key) return;
  list.dataset.names = key;
  list.replaceChildren(...names.map((name) => environmentItem(name, current, busy, note)));
}

/** One environment's line: its name (marked when current) and its switch button. */
function environmentItem(name: string, current: string | null, busy: boolean, note: Note): HTMLLIElement {
  const button = make('button', 'Switch');
  button.type = 'button';
  button.setAttribute('aria-label', `Switch to ${name}`);
  button.disabled = name === current || busy;
  button.onclick = async () => {
    button.disabled = true;
    const r = await post('v2/comfygit/switch_environment', { target_env: name });
    note(r.status === 200 ? `Switch to ${name} requested` : `Switch refused: ${r.body?.error}`);
  };
  const li = make('li');
  li.append(make('span', name + (name === current ? ' (current)' : '')), button);
  return li;
}
