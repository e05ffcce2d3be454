import { PANEL_FINAL_STATES } from '@comfyvisor/ipc-files';
/**
 * A client written from the ComfyGit panel's endpoint contract (docs/panel.md), not from our
 * server: ComfyUI's `api.fetchApi` (an `/api` prefix, a `Comfy-User` header, the page's Origin),
 * `useOrchestratorService.ts`, `useComfyGitService.ts` and the switch polling of
 * `ComfyGitPanel.vue` (every 1000 ms; the orchestrator's status first, the switch status when that
 * is missing or idle; it stops only on `complete`, `rolled_back` or `critical_failure`; idle or
 * unknown is "derived from the progress seen so far", which is how a panel says "Switch complete!"
 * to a switch that ended in anything else).
 */

export interface PanelStatus {
  state: string;
  progress?: number;
  message?: string;
  target_env?: string;
  source_env?: string;
  error?: string;
  [key: string]: unknown;
}

export interface SwitchFollowed {
  /** The state that stopped the polling, or null when the deadline came first. */
  ended: 'complete' | 'rolled_back' | 'critical_failure' | null;
  /** The last status the poll read. */
  last: PanelStatus | null;
  /** What the panel's progress dialog showed, in order (state: message). */
  shown: string[];
  /** The toast the panel shows at the end. */
  toast: string | null;
}

export interface PanelClientOptions {
  bridgeUrl: string;
  /** ComfyUI's page, where the panel runs. */
  origin: string;
  user?: string;
  /** @default 1000, as ComfyGitPanel.vue */
  pollMs?: number;
}

const FINAL = PANEL_FINAL_STATES;

function stateFromProgress(progress: number): string {
  if (progress >= 100) return 'complete';
  if (progress >= 80) return 'validating';
  if (progress >= 60) return 'starting';
  if (progress >= 30) return 'syncing';
  return 'preparing';
}

const DERIVED_MESSAGES: Record<string, string> = {
  preparing: 'Stopping current environment...',
  syncing: 'Preparing target environment...',
  starting: 'Starting new environment...',
  validating: 'Waiting for server to be ready...',
  complete: 'Switch complete!',
};

export function createPanelClient(options: PanelClientOptions) {
  const pollMs = options.pollMs ?? 1000;

  /** ComfyUI's `api.fetchApi`: `/api` + route, with the user header, from the page's origin. */
  function fetchApi(endpoint: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Comfy-User', options.user ?? '');
    headers.set('Origin', options.origin);
    return fetch(new URL(`/api${endpoint}`, options.bridgeUrl), {
      ...init,
      headers,
      signal: AbortSignal.timeout(15_000),
    });
  }

  /** The composables' `fetchApi<T>`: JSON, or an Error carrying `error || message`. */
  async function call<T>(endpoint: string, init?: RequestInit): Promise<T> {
    const response = await fetchApi(endpoint, init);
    if (!response.ok) {
      const data = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
      throw new Error(data.error || data.message || `Request failed: ${response.status}`);
    }
    return (await response.json()) as T;
  }

  const orchestrator = {
    checkHealth: () => call<Record<string, unknown>>('/v2/comfygit/orchestrator/health').catch(() => null),
    getStatus: () => call<PanelStatus>('/v2/comfygit/orchestrator/status').catch(() => null),
    restart: () => call<Record<string, unknown>>('/v2/comfygit/orchestrator/restart', { method: 'POST' }),
    kill: () => call<Record<string, unknown>>('/v2/comfygit/orchestrator/kill', { method: 'POST' }),
  };

  const comfygit = {
    getEnvironments: () =>
      call<{ environments: Array<Record<string, unknown>>; current: string | null; is_managed: boolean }>(
        '/v2/comfygit/environments',
      ),
    switchEnvironment: (targetEnv: string) =>
      call<{ status: string; message: string }>('/v2/comfygit/switch_environment', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ target_env: targetEnv }),
      }),
    /** As the panel's: not awaited inside its try, so an error reaches the poll loop. */
    getSwitchProgress: () => call<PanelStatus>('/v2/comfygit/switch_status'),
  };

  /** `confirmEnvironmentSwitch` + `startSwitchPolling`, minus the simulated 10→60 % animation. */
  async function switchAndFollow(target: string, deadlineMs: number): Promise<SwitchFollowed> {
    const shown: string[] = [];
    let display = { state: stateFromProgress(10), progress: 10, message: DERIVED_MESSAGES.preparing ?? '' };
    await comfygit.switchEnvironment(target);
    return new Promise<SwitchFollowed>((resolve) => {
      let last: PanelStatus | null = null;
      let done = false;
      const finish = (ended: SwitchFollowed['ended'], toast: string | null) => {
        if (done) return;
        done = true;
        clearInterval(interval);
        clearTimeout(deadline);
        resolve({ ended, last, shown, toast });
      };
      const interval = setInterval(async () => {
        try {
          let progress = await orchestrator.getStatus();
          if (!progress || progress.state === 'idle') progress = await comfygit.getSwitchProgress();
          if (!progress) return;
          last = progress;
          const real = progress.progress || 0;
          const finalProgress = Math.max(real, display.progress);
          const usingRealState = progress.state && progress.state !== 'idle' && progress.state !== 'unknown';
          const state = usingRealState ? progress.state : stateFromProgress(finalProgress);
          const message = usingRealState
            ? progress.message || DERIVED_MESSAGES[stateFromProgress(finalProgress)] || ''
            : DERIVED_MESSAGES[stateFromProgress(finalProgress)] || '';
          display = { state, progress: finalProgress, message };
          const line = `${state}: ${message}`;
          if (shown.at(-1) !== line) shown.push(line);
          if (progress.state === 'complete') finish('complete', `✓ Switched to ${target}`);
          else if (progress.state === 'rolled_back')
            finish('rolled_back', 'Switch failed, restored previous environment');
          else if (progress.state === 'critical_failure')
            finish('critical_failure', `Critical error during switch: ${progress.message}`);
        } catch {
          // "Continue polling - server might be restarting"
        }
      }, pollMs);
      const deadline = setTimeout(() => finish(null, null), deadlineMs);
    });
  }

  return { fetchApi, orchestrator, comfygit, switchAndFollow, isFinal: (s: string) => FINAL.has(s) };
}
