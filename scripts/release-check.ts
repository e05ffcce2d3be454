// Run by `pnpm release` before publishing: every public package is released at a version its
// CHANGELOG.md describes (so run `pnpm version-packages` first: changesets' version step), and
// all of them at the same version (one fixed group: a routine update never installs two copies
// of ipc-files). Prints one line per problem and exits 1.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const problems: string[] = [];
const versions = new Map<string, string>();
for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      private?: boolean;
    };
    if (pkg.private) continue;
    versions.set(pkg.name, pkg.version);
    const changelog = join(dir, 'CHANGELOG.md');
    const text = existsSync(changelog) ? readFileSync(changelog, 'utf8') : '';
    if (!text.split('\n').includes(`## ${pkg.version}`))
      problems.push(`${pkg.name}@${pkg.version}: no "## ${pkg.version}" in ${group}/${name}/CHANGELOG.md`);
  }
}
if (new Set(versions.values()).size > 1)
  problems.push(`not one version: ${[...versions].map(([n, v]) => `${n}@${v}`).join(', ')}`);
for (const line of problems) console.error(`release-check: ${line}`);
if (problems.length > 0) {
  console.error('release-check: run `pnpm version-packages` (changeset version) first');
  process.exit(1);
}
console.log(
  `release-check: ${versions.size} packages at ${[...versions.values()][0]}, each in its changelog`,
);
