import type {
  AvailabilityMessage,
  DashboardState,
  HistoryMessage,
  MemoryMessage,
} from '../dashboard-wire.ts';

/**
 * One part of the dashboard (the state, the timeline, the history pictures, the settings panel):
 * it wires its buttons in `start`, and draws what the bridge pushes. client.ts feeds every view
 * the same stream, so adding a part is adding a module and one line there.
 */
export interface DashboardView {
  start?(): void | Promise<void>;
  onState?(state: DashboardState): void;
  onHistory?(message: HistoryMessage): void;
  onAvailability?(message: AvailabilityMessage): void;
  onMemory?(message: MemoryMessage): void;
}
