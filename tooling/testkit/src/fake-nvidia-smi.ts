import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-workspace.ts';

/** What the fake `nvidia-smi` reports; change it at any time with `set`. */
export interface FakeNvidiaSmiState {
  /** `--query-gpu=name`: one line per GPU. @default ['NVIDIA GeForce RTX 4090'] */
  gpus?: string[];
  /** `--query-compute-apps=pid,used_memory`: one `pid, MiB` line each. @default [] */
  apps?: Array<{ pid: number; usedMiB: number }>;
  /** Fail every query with this exit code (like a driver that is gone). */
  failWith?: number;
}

export interface FakeNvidiaSmi {
  /** The folder holding `nvidia-smi`: put it first on `PATH`. */
  dir: string;
  /** The executable itself. */
  path: string;
  set(state: FakeNvidiaSmiState): void;
}

const SCRIPT = `#!/usr/bin/env python3
# A fake nvidia-smi (comfyvisor's test kit): answers the two queries comfyvisor makes.
import json, os, sys
state = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "state.json")))
args = sys.argv[1:]
if state.get("fail_with") is not None:
    print("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.")
    sys.exit(state["fail_with"])
csv = "--format=csv,noheader" in args or "--format=csv,noheader,nounits" in args
if "--query-compute-apps=pid,used_memory" in args and csv:
    units = "" if "--format=csv,noheader,nounits" in args else " MiB"
    for app in state["apps"]:
        print("%d, %d%s" % (app["pid"], app["used_mib"], units))
elif "--query-gpu=name" in args and csv:
    for name in state["gpus"]:
        print(name)
else:
    print("fake nvidia-smi: unsupported arguments: %s" % " ".join(args), file=sys.stderr)
    sys.exit(2)
`;

/** Builds an executable fake `nvidia-smi` in a temp folder (removed after the test). */
export function buildFakeNvidiaSmi(state: FakeNvidiaSmiState = {}): FakeNvidiaSmi {
  const dir = tempDir('comfyvisor-nvidia-smi-');
  const path = join(dir, 'nvidia-smi');
  const set = (next: FakeNvidiaSmiState) => {
    const wire = {
      gpus: next.gpus ?? ['NVIDIA GeForce RTX 4090'],
      apps: (next.apps ?? []).map((a) => ({ pid: a.pid, used_mib: a.usedMiB })),
      fail_with: next.failWith ?? null,
    };
    const temp = join(dir, `state.json.${process.pid}.tmp`);
    writeFileSync(temp, JSON.stringify(wire));
    // rename: a query that runs meanwhile reads the old state or the new one, never half of one
    renameSync(temp, join(dir, 'state.json'));
  };
  set(state);
  writeFileSync(path, SCRIPT);
  chmodSync(path, 0o755);
  return { dir, path, set };
}
