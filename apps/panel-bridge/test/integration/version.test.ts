// The version the command prints is the one in package.json, put in by the build.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

it('--version prints the version from package.json', async () => {
  for (const bin of Object.values(pkg.bin)) {
    const result = await execa(process.execPath, [join(root, bin), '--version']);
    expect(result.stdout.trim()).toBe(pkg.version);
  }
});
