import { processTree, residentBytesOf } from '@comfyvisor/processes';
import type { Logger } from '../logger.ts';
import { createGpuSampler, type GpuSampler } from './gpu-sampler.ts';
import { createResourceWatch, type ResourceWatch } from './resource-watch.ts';

/**
 * The figures of ComfyUI's process tree that the memory and VRAM watchdogs judge: resident memory
 * (`restart_rss_mb`) and GPU memory from nvidia-smi (`restart_vram_mb`), each read at most every
 * `intervalMs`. Listing every process to find the tree costs far more than reading the tree's own
 * figures (~20 ms against ~0.2 ms on a box with a hundred processes), so the tree's pids are kept
 * and listed again only every `treeRefreshMs` (and at each new ComfyUI).
 */
export interface TreeFigures {
  readonly rss: ResourceWatch;
  readonly vram: ResourceWatch;
  /** A new ComfyUI (or none: null): its tree is listed at the next read. */
  follow(rootPid: number | null): void;
  /** The supervisor ends: nothing kept running (nvidia-smi's shell). */
  close(): void;
}

export interface TreeFiguresOptions {
  rssLimitBytes: number;
  vramLimitBytes: number;
  /** Monotonic ms. */
  now: () => number;
  intervalMs: number;
  /** @default 300000 */
  treeRefreshMs?: number | undefined;
  platform: NodeJS.Platform;
  /** Where nvidia-smi is looked up (its PATH). */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** @default nvidia-smi through `createGpuSampler` */
  gpu?: GpuSampler | undefined;
}

/** The least time between two runs of nvidia-smi; with the loop's ticks (at most 10 s apart) a sample every ≤ 10 s. */
const GPU_MIN_SPACING_MS = 9_000;
/** How long one run of nvidia-smi may take (longer than a tick, see below). */
const GPU_TIMEOUT_MS = 15_000;

export function createTreeFigures(options: TreeFiguresOptions): TreeFigures {
  const refreshMs = options.treeRefreshMs ?? 300_000;
  const processOptions = { platform: options.platform };
  let root: number | null = null;
  let tree: { root: number; pids: number[]; at: number } | null = null;
  let gpu: GpuSampler | null = options.gpu ?? null;

  const pids = async (): Promise<number[]> => {
    const pid = root;
    if (pid === null) return [];
    const t = options.now();
    if (tree?.root === pid && t - tree.at < refreshMs) return tree.pids;
    const found = await processTree(pid, processOptions);
    if (root === pid) tree = { root: pid, pids: found, at: t };
    return found;
  };

  const rss = createResourceWatch({
    limitBytes: options.rssLimitBytes,
    now: options.now,
    intervalMs: options.intervalMs,
    read: async () => {
      const tree = await pids();
      return tree.length > 0 ? residentBytesOf(tree, processOptions) : null;
    },
  });
  const vram = createResourceWatch({
    limitBytes: options.vramLimitBytes,
    now: options.now,
    // a run of nvidia-smi costs the supervisor a spawn (~2-4 ms of CPU): every other 5 s tick
    intervalMs: Math.max(options.intervalMs, GPU_MIN_SPACING_MS),
    read: async () => {
      const tree = await pids();
      if (tree.length === 0) return null;
      // a timeout past the next tick: a cleared timer that was the earliest leaves node a
      // wake-up at its time anyway; one that ends after the next beat costs none
      gpu ??= createGpuSampler({ env: options.env, logger: options.logger, timeoutMs: GPU_TIMEOUT_MS });
      const sample = await gpu.sample(new Set(tree));
      if (sample.kind === 'unavailable') return 'unavailable';
      return sample.kind === 'ok' ? sample.bytes : null;
    },
  });
  return {
    rss,
    vram,
    follow(pid) {
      root = pid;
      tree = null;
      rss.reset();
      vram.reset();
    },
    close() {
      gpu?.close();
    },
  };
}
