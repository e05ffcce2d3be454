import { fileURLToPath } from 'node:url';

const here = (name: string) => fileURLToPath(new URL(`../fake-comfyui/${name}`, import.meta.url));

/** Absolute path of the fake ComfyUI (`main.py`, Python 3 standard library only). */
export const fakeComfyuiPath: string = here('main.py');

/**
 * Every file of the fake, by the name it must have beside the others: main.py imports the others
 * from its own folder and does not start without them. Whatever copies the fake copies them all.
 */
export const fakeComfyuiFiles: Readonly<Record<string, string>> = {
  'main.py': fakeComfyuiPath,
  'fake_base.py': here('fake_base.py'),
  'fake_jobs.py': here('fake_jobs.py'),
  'fake_extras.py': here('fake_extras.py'),
};
