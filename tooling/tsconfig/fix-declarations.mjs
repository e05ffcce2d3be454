#!/usr/bin/env node
// Build step after `tsc`: declarations keep the sources' `./x.ts` specifiers
// (rewriteRelativeImportExtensions rewrites only the JavaScript), which TypeScript before 5.7
// rejects in a published package. Rewrite them to `./x.js` so consumers on TS >= 5.0 need no
// skipLibCheck. Usage: comfyvisor-fix-declarations [dist]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const RELATIVE_TS = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.([mc]?)tsx?\2/g;
const LEFT_OVER = /(?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*\.[mc]?tsx?['"]/;

const dir = resolve(process.argv[2] ?? 'dist');
const left = [];
for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
  if (!entry.isFile() || !/\.d\.[mc]?ts$/.test(entry.name)) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(RELATIVE_TS, (_m, head, q, path, kind) => `${head}${q}${path}.${kind}js${q}`);
  if (fixed !== text) writeFileSync(file, fixed);
  if (LEFT_OVER.test(fixed)) left.push(file);
}
if (left.length > 0) {
  console.error(`comfyvisor-fix-declarations: .ts specifiers left in ${left.join(', ')}`);
  process.exit(1);
}
