// Build step: ship the test kit's fake ComfyUI (one source file) inside the CLI for `comfyvisor demo`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(import.meta.resolve('@comfyvisor/testkit/fake-comfyui.py'));
const target = new URL('../dist/assets/fake-comfyui.py', import.meta.url);
mkdirSync(new URL('../dist/assets/', import.meta.url), { recursive: true });
copyFileSync(source, target);
