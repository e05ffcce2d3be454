import { fileURLToPath } from 'node:url';

/** Absolute path of the fake ComfyUI (`main.py`, Python 3 standard library only). */
export const fakeComfyuiPath: string = fileURLToPath(new URL('../fake-comfyui/main.py', import.meta.url));
