/**
 * JSON text exactly as Python's `json.dumps(value, indent=indent)` writes it: `ensure_ascii`
 * escapes, `", "`/`": "` separators without indent and `","` + newline with it, no trailing
 * newline. Numbers are integers when integral, except under `floatKeys` (timestamps), which
 * Python writes as floats (`1732492800.0`).
 */
export function toPythonJson(
  value: unknown,
  indent: number | null = null,
  floatKeys: ReadonlySet<string> = DEFAULT_FLOAT_KEYS,
): string {
  return encode(value, indent, 0, floatKeys, false);
}

export const DEFAULT_FLOAT_KEYS: ReadonlySet<string> = new Set(['timestamp', 'updated_at']);

function encode(
  value: unknown,
  indent: number | null,
  depth: number,
  floatKeys: ReadonlySet<string>,
  asFloat: boolean,
): string {
  if (value === null || value === undefined) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return encodeNumber(value, asFloat);
  if (typeof value === 'string') return encodeString(value);
  const inner = indent === null ? '' : `\n${' '.repeat(indent * (depth + 1))}`;
  const outer = indent === null ? '' : `\n${' '.repeat(indent * depth)}`;
  const separator = indent === null ? ', ' : ',';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item) => inner + encode(item, indent, depth + 1, floatKeys, false));
    return `[${items.join(separator)}${outer}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const items = entries.map(
      ([key, item]) =>
        `${inner}${encodeString(key)}: ${encode(item, indent, depth + 1, floatKeys, floatKeys.has(key))}`,
    );
    return `{${items.join(separator)}${outer}}`;
  }
  throw new TypeError(`cannot encode a ${typeof value} as JSON`);
}

function encodeNumber(value: number, asFloat: boolean): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (Number.isInteger(value) && !asFloat) return String(value);
  let text = String(value);
  // Python's float repr: exponents have at least two digits, integral floats end in ".0".
  text = text.replace(/e([+-])(\d)$/, 'e$10$2');
  if (!/[.eE]/.test(text)) text += '.0';
  return text;
}

function encodeString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const char = text[i] as string;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}
