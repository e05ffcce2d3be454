// Build step: ship the test kit's fake ComfyUI (main.py and the modules beside it) inside the CLI
// for `comfyvisor demo`, as dist/assets/fake-comfyui/*.py. The folder is emptied first, so a file
// the test kit dropped does not linger in the package.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = dirname(fileURLToPath(import.meta.resolve('@comfyvisor/testkit/fake-comfyui/main.py')));
const assets = fileURLToPath(new URL('../dist/assets/', import.meta.url));
const target = join(assets, 'fake-comfyui');
rmSync(join(assets, 'fake-comfyui.py'), { force: true }); // the single file earlier builds shipped
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const name of readdirSync(source).filter((n) => n.endsWith('.py'))) {
  copyFileSync(join(source, name), join(target, name));
}
