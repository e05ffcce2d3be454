import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  readStartupState,
  readSwitchRequest,
  readSwitchStatus,
  takeCommand,
  watchFile,
  writeCommand,
  writeSwitchRequest,
  writeSwitchStatus,
} from '@comfyvisor/ipc-files';
import { killTracked, track } from '@comfyvisor/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { tempMetadataDir } from '../temp-dir.ts';

afterEach(killTracked);

const python = (code: string, ...args: string[]) =>
  execFileSync('python3', ['-c', code, ...args], { encoding: 'utf8' });

describe('interoperability with python3', () => {
  it('what we write is byte-identical to json.dumps(indent=2) of the same object, and Python reads it', async () => {
    const dir = tempMetadataDir();
    await writeSwitchRequest(dir, { targetEnv: 'énv-2', sourceEnv: 'env1' });
    await writeSwitchStatus(dir, {
      state: 'validating',
      message: 'Waiting for énv-2 ✓',
      targetEnv: 'énv-2',
      sourceEnv: 'env1',
    });
    for (const name of ['.switch_request.json', '.switch_status.json']) {
      const ours = readFileSync(join(dir, name), 'utf8');
      const theirs = python(
        'import json,sys; print(json.dumps(json.load(open(sys.argv[1])), indent=2), end="")',
        join(dir, name),
      );
      expect(ours).toBe(theirs);
    }
    await writeCommand(dir, { command: 'restart' });
    const cmd = readFileSync(join(dir, '.cmd'), 'utf8');
    expect(cmd).toBe(
      python('import json,sys; print(json.dumps(json.load(open(sys.argv[1]))), end="")', join(dir, '.cmd')),
    );
  });

  it('we read what Python json writes (the Python supervisor functions, reimplemented inline)', async () => {
    const dir = tempMetadataDir();
    python(
      `import json, time, sys, os
d = sys.argv[1]
json.dump({"target_env": "env2", "source_env": None, "timestamp": time.time()}, open(os.path.join(d, ".switch_request.json"), "w"), indent=2)
json.dump({"state": "starting", "progress": 60, "message": "Starting env2...", "updated_at": time.time(), "target_env": "env2", "source_env": "env1"}, open(os.path.join(d, ".switch_status.json"), "w"), indent=2)
json.dump({"timestamp": time.time(), "python_executable": sys.executable, "working_directory": os.getcwd(), "argv": ["main.py", "--port", "8188"], "environment_name": "env1", "workspace_root": "/ws", "port": 8188}, open(os.path.join(d, ".startup_state.json"), "w"), indent=2)
tmp = os.path.join(d, ".cmd.tmp.%d" % os.getpid())
json.dump({"command": "abort_switch", "timestamp": time.time()}, open(tmp, "w")); os.replace(tmp, os.path.join(d, ".cmd"))`,
      dir,
    );
    expect(await readSwitchRequest(dir)).toMatchObject({ targetEnv: 'env2', sourceEnv: null });
    expect(await readSwitchStatus(dir)).toMatchObject({ state: 'starting', progress: 60, sourceEnv: 'env1' });
    expect(await readStartupState(dir)).toMatchObject({ argv: ['main.py', '--port', '8188'], port: 8188 });
    expect(await takeCommand(dir)).toMatchObject({ kind: 'command', command: { command: 'abort_switch' } });
  });
});

describe('atomic writes', () => {
  it('a reader never sees a partial file while another process rewrites it in a loop', async () => {
    const dir = tempMetadataDir();
    const writer = track(
      spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'rewriter.mjs'), dir]),
    );
    await new Promise<void>((resolve) =>
      createInterface({ input: writer.stdout }).once('line', () => resolve()),
    );
    let reads = 0;
    let seen = 0;
    const deadline = Date.now() + 1500;
    while (Date.now() < deadline) {
      let text: string;
      try {
        text = readFileSync(join(dir, '.switch_status.json'), 'utf8');
      } catch {
        continue; // not written yet
      }
      reads++;
      const parsed = JSON.parse(text); // throws on a torn read
      expect(parsed.state).toBe('syncing');
      seen++;
    }
    writer.kill('SIGKILL');
    expect(seen).toBe(reads);
    expect(reads).toBeGreaterThan(100);
  });
});

describe('watchFile', () => {
  it('reacts to a file appearing without a polling loop', async () => {
    const dir = tempMetadataDir();
    let resolveSeen: () => void = () => {};
    const seen = new Promise<void>((resolve) => {
      resolveSeen = resolve;
    });
    // pollMs is huge: only the fs.watch path can fire within the test.
    const watcher = watchFile(dir, '.cmd', () => resolveSeen(), { pollMs: 600_000, safetyPollMs: 600_000 });
    const started = performance.now();
    writeFileSync(join(dir, 'unrelated.txt'), 'x');
    await writeCommand(dir, { command: 'restart' });
    await seen;
    watcher.close();
    console.log(`watchFile reacted in ${(performance.now() - started).toFixed(1)} ms`);
  });

  it('the slow poll is the fallback when no watch event comes', async () => {
    const dir = tempMetadataDir();
    let calls = 0;
    const watcher = watchFile(join(dir), 'never-written', () => calls++, { pollMs: 20, safetyPollMs: 20 });
    writeFileSync(join(dir, 'never-written'), 'now');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (calls > 0) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    watcher.close();
    expect(calls).toBeGreaterThan(0);
  });
});
