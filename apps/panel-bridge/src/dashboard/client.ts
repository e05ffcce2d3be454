/**
 * The dashboard's page script (bundled by esbuild at build into the page, see
 * scripts/dashboard-client.mjs): it renders what the bridge pushes on
 * `v2/comfygit/dashboard/stream` (`state` and `history` server-sent events) and posts the
 * buttons' requests. It never polls; EventSource reconnects by itself when the bridge restarts.
 * Every URL is relative to the page, so it works under a proxy's path.
 */
import type {
  AvailabilityMessage,
  DashboardState,
  HistoryMessage,
  MemoryMessage,
} from '../dashboard-wire.ts';
import { forgetTokenInAddress } from './api.ts';
import { historyView } from './history-view.ts';
import { settingsView } from './settings-view.ts';
import { stateView } from './state-view.ts';
import { timelineView } from './timeline-view.ts';
import type { DashboardView } from './view.ts';

const views: DashboardView[] = [stateView(), historyView(), timelineView(), settingsView()];

forgetTokenInAddress();
for (const view of views) view.start?.();
const source = new EventSource('v2/comfygit/dashboard/stream');
source.addEventListener('state', (m) => {
  const state = JSON.parse((m as MessageEvent<string>).data) as DashboardState;
  for (const view of views) view.onState?.(state);
});
source.addEventListener('history', (m) => {
  const message = JSON.parse((m as MessageEvent<string>).data) as HistoryMessage;
  for (const view of views) view.onHistory?.(message);
});
source.addEventListener('availability', (m) => {
  const message = JSON.parse((m as MessageEvent<string>).data) as AvailabilityMessage;
  for (const view of views) view.onAvailability?.(message);
});
source.addEventListener('memory', (m) => {
  const message = JSON.parse((m as MessageEvent<string>).data) as MemoryMessage;
  for (const view of views) view.onMemory?.(message);
});
source.onopen = () => {
  document.body.dataset.stream = 'open';
};
source.onerror = () => {
  document.body.dataset.stream = 'reconnecting';
};
