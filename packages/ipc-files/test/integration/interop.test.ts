import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  FILE_NAMES,
  readStartupState,
  readSwitchStatus,
  takeCommand,
  watchFile,
  writeCommand,
  writeSwitchRequest,
  writeSwitchStatus,
} from '@comfyvisor/ipc-files';
import { track } from '@comfyvisor/testkit';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { readSwitchRequest } from '../../src/switch-request.ts';
import { tempMetadataDir } from '../temp-dir.ts';

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
    const path = join(dir, FILE_NAMES.switchStatus);
    const writer = track(
      spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'rewriter.mjs'), dir]),
    );
    await new Promise<void>((resolve) =>
      createInterface({ input: writer.stdout }).once('line', () => resolve()),
    );
    // Read until the reader has raced with many different writes; each one must be whole: valid
    // JSON whose message carries exactly the padding its write number says, and, once the file
    // exists, always there (a rename replaces it, nothing removes it).
    const wanted = 200;
    const versions = new Set<number>();
    const bad: string[] = [];
    let reads = 0;
    const giveUp = Date.now() + 30_000; // bounds a failure only: a sync loop would stall the test timeout
    while (versions.size < wanted && bad.length === 0 && Date.now() < giveUp) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        if (versions.size > 0) bad.push(`missing after a write (${(error as NodeJS.ErrnoException).code})`);
        continue; // not written yet
      }
      reads++;
      try {
        const { state, message } = JSON.parse(text);
        const match = /^write (\d+) (x*)$/.exec(message);
        if (state !== 'syncing' || !match || match[2]?.length !== Number(match[1]) % 5000) {
          bad.push(`wrong content: ${text.slice(0, 120)}`);
        } else {
          versions.add(Number(match[1]));
        }
      } catch {
        bad.push(`torn (${text.length} chars): ${text.slice(-60)}`);
      }
    }
    writer.kill('SIGKILL');
    expect(bad).toEqual([]);
    expect(versions.size, `${reads} reads saw only ${versions.size} different writes`).toBe(wanted);
  });
});

describe('watchFile', () => {
  it('reacts to a file appearing without a polling loop', async () => {
    const dir = tempMetadataDir();
    const onEvent = vi.fn();
    // Polls are out of reach (600 s): only the fs.watch path can call back within the test.
    const watcher = watchFile(dir, FILE_NAMES.command, onEvent, { pollMs: 600_000, safetyPollMs: 600_000 });
    onTestFinished(() => watcher.close());
    await writeCommand(dir, { command: 'restart' });
    await vi.waitFor(() => expect(onEvent).toHaveBeenCalled(), { timeout: 5_000, interval: 5 });
  });

  it('with fs.watch unavailable, the poll is the fallback', async () => {
    const dir = tempMetadataDir();
    const onEvent = vi.fn();
    const watcher = watchFile(dir, FILE_NAMES.command, onEvent, {
      useFsWatch: false,
      pollMs: 20,
      safetyPollMs: 600_000,
    });
    onTestFinished(() => watcher.close());
    await writeCommand(dir, { command: 'restart' });
    await vi.waitFor(() => expect(onEvent).toHaveBeenCalledTimes(1), { timeout: 5_000, interval: 5 });
    expect(await takeCommand(dir)).toMatchObject({ kind: 'command', command: { command: 'restart' } });
    // The removal is a change too: the poll sees it.
    await vi.waitFor(() => expect(onEvent).toHaveBeenCalledTimes(2), { timeout: 5_000, interval: 5 });
  });
});
