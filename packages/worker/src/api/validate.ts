import * as v from 'valibot';
import type { CreateInput } from '../worker.ts';

/** Free text that reaches a command line: no leading `-` (never an option), no control characters. */
const argText = (field: string, max: number) =>
  v.pipe(
    v.string(`${field} must be a string`),
    v.minLength(1, `${field} must not be empty`),
    v.maxLength(max, `${field} is longer than ${max} characters`),
    v.check((s) => !s.startsWith('-'), `${field} must not start with "-"`),
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
    v.check((s) => !/[\u0000-\u001f\u007f]/.test(s), `${field} must not hold control characters`),
  );

const CreateBody = v.object(
  {
    import_source: argText('import_source', 4096),
    name: v.nullish(
      v.pipe(v.string('name must be a string'), v.maxLength(256, 'name is longer than 256 characters')),
    ),
    mode: v.optional(v.picklist(['native', 'docker'], 'mode must be "native" or "docker"')),
    branch: v.nullish(
      v.pipe(
        argText('branch', 255),
        v.regex(/^[\w./@{}^~+-]+$/, 'branch must be a branch, tag or commit name'),
        v.check((s) => !s.includes('..'), 'branch must not hold ".."'),
      ),
    ),
    cuda_visible_devices: v.nullish(
      v.pipe(
        v.string('cuda_visible_devices must be a string such as "0" or "0,1"'),
        v.maxLength(512, 'cuda_visible_devices is too long'),
        v.regex(/^([\w-]+(,[\w-]+)*)?$/, 'cuda_visible_devices must be a comma-separated list of GPU ids'),
      ),
    ),
  },
  'the body must be a JSON object',
);

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

/** The create body, checked before anything runs: one line naming what is wrong. */
export function parseCreateBody(body: unknown): Validated<CreateInput> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, error: 'the body must be a JSON object' };
  }
  if (!('import_source' in body)) return { ok: false, error: 'import_source is required' };
  const result = v.safeParse(CreateBody, body);
  if (!result.success) return { ok: false, error: result.issues[0]?.message ?? 'invalid body' };
  const out = result.output;
  return {
    ok: true,
    value: {
      importSource: out.import_source,
      name: out.name ?? null,
      ...(out.mode ? { mode: out.mode } : {}),
      branch: out.branch ?? null,
      cudaVisibleDevices: out.cuda_visible_devices ?? null,
    },
  };
}

/** `?lines=N`: default 100, 0 = all the file tail holds, at most 100000. */
export function parseLines(text: string | undefined): Validated<number> {
  if (text === undefined || text === '') return { ok: true, value: 100 };
  if (!/^\d{1,9}$/.test(text)) return { ok: false, error: 'lines must be a whole number' };
  return { ok: true, value: Math.min(Number(text), 100_000) };
}

/** `?keep_env=true` or `?force=true` (also 1/yes), as the reference's `== "true"`. */
export function parseFlag(text: string | undefined): boolean {
  return text !== undefined && ['true', '1', 'yes'].includes(text.toLowerCase());
}
