// issue 12 #9: a venv must never be left marked complete but broken.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type FinalizeStep, finalizeVenv, VENV_MARKER } from './finalize-venv.ts';

/** A fake venv as `python -m venv` leaves it at `partial`: scripts whose shebangs name `partial`. */
function fakePartial(): { partial: string; target: string } {
  const base = mkdtempSync(join(tmpdir(), 'comfyvisor-finalize-'));
  onTestFinished(() => rmSync(base, { recursive: true, force: true }));
  const partial = join(base, 'venv.partial-1-abc');
  const target = join(base, 'venv');
  mkdirSync(join(partial, 'bin'), { recursive: true });
  writeFileSync(join(partial, 'bin', 'cg'), `#!${partial}/bin/python\nimport sys\n`);
  writeFileSync(join(partial, 'bin', 'pip'), `#!${partial}/bin/python\n`);
  writeFileSync(join(partial, 'pyvenv.cfg'), `home = /usr/bin\ncommand = python -m venv ${partial}\n`);
  return { partial, target };
}

/** What a later run sees at `target`: marked complete only if every script already names `target`. */
function markedButBroken(target: string): boolean {
  if (!existsSync(join(target, VENV_MARKER))) return false;
  return ['cg', 'pip'].some(
    (name) => !readFileSync(join(target, 'bin', name), 'utf8').startsWith(`#!${target}/`),
  );
}

describe('finalizeVenv', () => {
  it.skipIf(process.platform === 'win32')(
    'moves a finished venv into place: shebangs and pyvenv.cfg name the final folder',
    async () => {
      const { partial, target } = fakePartial();
      await finalizeVenv(partial, target, { packages: ['x'] });
      expect(existsSync(partial)).toBe(false);
      expect(readFileSync(join(target, 'bin', 'cg'), 'utf8')).toBe(`#!${target}/bin/python\nimport sys\n`);
      expect(readFileSync(join(target, 'pyvenv.cfg'), 'utf8')).toContain(`venv ${target}\n`);
      expect(JSON.parse(readFileSync(join(target, VENV_MARKER), 'utf8'))).toEqual({ packages: ['x'] });
    },
  );

  for (const step of ['relocate', 'mark', 'replace'] as FinalizeStep[]) {
    it.skipIf(process.platform === 'win32')(
      `interrupted before "${step}": never a venv marked complete but broken`,
      async () => {
        const { partial, target } = fakePartial();
        const crash = new Error(`killed before ${step}`);
        await expect(
          finalizeVenv(
            partial,
            target,
            { packages: ['x'] },
            {
              beforeStep: (s) => {
                if (s === step) throw crash;
              },
            },
          ),
        ).rejects.toBe(crash);
        expect(markedButBroken(target)).toBe(false);
        expect(existsSync(partial) || existsSync(target)).toBe(true); // a leftover the next run removes, or the venv
      },
    );
  }
});
