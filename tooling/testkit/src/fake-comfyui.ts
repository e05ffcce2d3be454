import { fileURLToPath } from 'node:url';

const here = (name: string) => fileURLToPath(new URL(`../fake-comfyui/${name}`, import.meta.url));

/** Absolute path of the fake ComfyUI (`main.py`, Python 3 standard library only). */
export const fakeComfyuiPath: string = here('main.py');

/**
 * Every file of the fake, by the name it must have beside the others (main.py imports the job
 * server and the extras from its own folder; without them it serves without a queue).
 */
export const fakeComfyuiFiles: Readonly<Record<string, string>> = {
  'main.py': fakeComfyuiPath,
  'fake_jobs.py': here('fake_jobs.py'),
  'fake_extras.py': here('fake_extras.py'),
};
