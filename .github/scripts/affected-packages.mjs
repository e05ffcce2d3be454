// Prints `packages=<JSON list>` for CI's matrix: the workspace packages with tests that a change
// since BASE touches, with their dependents (turbo's `...[BASE]`). A change outside any package
// (lockfile, root configs, workflows) or an unknown BASE selects every package.
// Usage: node .github/scripts/affected-packages.mjs <base-ref-or-sha>
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const base = process.argv[2] ?? '';
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' }).trim();
const list = (filter) =>
  JSON.parse(run('pnpm', ['--silent', 'turbo', 'ls', `--filter=${filter}`, '--output=json'])).packages.items;
const all = list('./**');

let changedFiles = null;
if (/^[0-9a-f]{40}$|^origin\//.test(base) && !/^0+$/.test(base)) {
  try {
    changedFiles = run('git', ['diff', '--name-only', `${base}...HEAD`])
      .split('\n')
      .filter(Boolean);
  } catch {
    changedFiles = null;
  }
}
const packageDirs = all.map((p) => `${p.path}/`);
const outside = (file) =>
  !packageDirs.some((dir) => file.startsWith(dir)) && !/^(docs\/|\.changeset\/|[^/]+\.md$)/.test(file);
const affected = changedFiles === null || changedFiles.some(outside) ? all : list(`...[${base}...HEAD]`);

const withTests = affected
  .filter((p) => {
    const pkg = JSON.parse(readFileSync(`${p.path}/package.json`, 'utf8'));
    return Boolean(pkg.scripts?.test);
  })
  .map((p) => p.name)
  .sort();
console.log(`packages=${JSON.stringify(withTests)}`);
