import type { HistoryMessage, TimelineKind } from '../dashboard-wire.ts';
import { byId, make } from './dom.ts';
import type { DashboardView } from './view.ts';

const TIMELINE_MAX = 200;
type Counted = Extract<TimelineKind, 'restart' | 'crash' | 'hang' | 'switch-ok' | 'switch-bad'>;
const COUNTED: [Counted, string, string][] = [
  ['restart', 'restart', 'restarts'],
  ['crash', 'crash', 'crashes'],
  ['hang', 'hang', 'hangs'],
  ['switch-ok', 'switch done', 'switches done'],
  ['switch-bad', 'switch failed', 'switches failed'],
];

function timeOf(seconds: number): HTMLTimeElement {
  const time = make('time');
  const d = new Date(seconds * 1000);
  time.dateTime = d.toISOString();
  time.textContent =
    d.toLocaleDateString() === new Date().toLocaleDateString() ? d.toLocaleTimeString() : d.toLocaleString();
  return time;
}

/** "What happened": the timeline, newest first, and the counts above it. */
export function timelineView(): DashboardView {
  const counted = new Map<TimelineKind, number>(COUNTED.map(([kind]) => [kind, 0]));
  const renderCounts = () =>
    byId('counts').replaceChildren(
      ...COUNTED.map(([kind, one, many]) => {
        const n = counted.get(kind) ?? 0;
        const span = make('span', `${n} ${n === 1 ? one : many}`);
        span.dataset.kind = kind;
        return span;
      }),
    );
  return {
    onHistory(message: HistoryMessage) {
      const list = byId('timeline');
      if (message.reset) {
        list.replaceChildren();
        for (const kind of counted.keys()) counted.set(kind, 0);
      }
      for (const e of message.events) {
        if (e.kind === 'detail') continue;
        const n = counted.get(e.kind);
        if (n !== undefined) counted.set(e.kind, n + 1);
        const li = make('li');
        li.className = `k-${e.kind}`;
        li.dataset.type = e.type;
        li.append(timeOf(e.time), make('span', e.text));
        list.prepend(li);
      }
      while (list.children.length > TIMELINE_MAX) list.lastElementChild?.remove();
      renderCounts();
    },
  };
}
