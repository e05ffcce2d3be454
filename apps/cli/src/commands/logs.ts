import { createReadStream, existsSync, statSync, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { metadataOf, resolveWorkspace } from '../context.ts';
import { UserError } from '../errors.ts';

/** `comfyvisor logs [-f]`: ComfyUI's output as kept by the supervisor (or the supervisor's own log). */
export async function logsCommand(options: {
  workspace?: string;
  follow?: boolean;
  lines?: string;
  supervisor?: boolean;
}): Promise<number> {
  const dir = metadataOf(resolveWorkspace(options.workspace));
  const file = join(dir, options.supervisor ? 'orchestrator.log' : 'comfyui.log');
  if (!existsSync(file) && !options.follow) throw new UserError(`no log yet: ${file}`);
  const count = Number(options.lines ?? 100);
  if (!Number.isInteger(count) || count < 0)
    throw new UserError(`--lines must be a whole number, not "${options.lines}"`);
  let offset = 0;
  if (existsSync(file)) {
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    process.stdout.write(
      lines
        .slice(-count || lines.length)
        .map((l) => `${l}\n`)
        .join(''),
    );
    offset = Buffer.byteLength(text);
  }
  if (!options.follow) return 0;
  await new Promise<void>((resolve) => {
    let reading = false;
    const pump = () => {
      if (reading || !existsSync(file)) return;
      const size = statSync(file).size;
      if (size < offset) offset = 0; // truncated or replaced
      if (size === offset) return;
      reading = true;
      const stream = createReadStream(file, { start: offset, end: size - 1 });
      stream.on('data', (chunk) => process.stdout.write(chunk));
      stream.on('end', () => {
        offset = size;
        reading = false;
        pump();
      });
    };
    const watcher = watch(dir, (_event, name) => {
      if (name === null || file.endsWith(name)) pump();
    });
    const timer = setInterval(pump, 1000);
    const stop = () => {
      watcher.close();
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
