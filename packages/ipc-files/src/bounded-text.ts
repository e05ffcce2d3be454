/** The longest description of a raw value that goes into a log line. */
export const DESCRIBE_MAX_CHARS = 200;

/** Deeper JSON than this is refused before it is parsed. */
export const JSON_MAX_DEPTH = 64;

/** `text` cut to `max` characters, with an ellipsis and the full length when cut. */
export function boundText(text: string, max: number = DESCRIBE_MAX_CHARS): string {
  if (text.length <= max) return text;
  const suffix = `… (${text.length} chars)`;
  return `${text.slice(0, Math.max(0, max - suffix.length))}${suffix}`;
}

/**
 * A short, one-line description of any value for a log: JSON-like, at most `max` characters, never
 * throwing (no recursion deeper than a few levels, no matter how deep or large the value is).
 */
export function describeValue(value: unknown, max: number = DESCRIBE_MAX_CHARS): string {
  try {
    return boundText(encode(value, 0, max + 1), max);
  } catch {
    return '<unprintable value>';
  }
}

function encode(value: unknown, depth: number, budget: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > budget ? value.slice(0, budget) : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      return `<${typeof value}>`;
  }
  if (depth >= 3) return Array.isArray(value) ? '[…]' : '{…}';
  const parts: string[] = [];
  let used = 2;
  const entries: Array<[string | null, unknown]> = Array.isArray(value)
    ? value.map((item) => [null, item] as [null, unknown])
    : Object.keys(value as object).map((key) => [key, (value as Record<string, unknown>)[key]]);
  for (const [key, item] of entries) {
    if (used > budget) {
      parts.push('…');
      break;
    }
    const text =
      (key === null ? '' : `${JSON.stringify(key.slice(0, budget))}: `) +
      encode(item, depth + 1, budget - used);
    parts.push(text);
    used += text.length + 2;
  }
  return Array.isArray(value) ? `[${parts.join(', ')}]` : `{${parts.join(', ')}}`;
}

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`: one pass over the characters,
 * no recursion, so `[[[[…]]]]` of any depth is answered without a stack overflow.
 */
export function jsonTooDeep(text: string, maxDepth: number = JSON_MAX_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; reason: string; incomplete: boolean };

/** JSON.parse that refuses deep nesting first and says why it failed in a bounded line. */
export function parseJsonText(text: string, maxDepth: number = JSON_MAX_DEPTH): JsonParse {
  if (text.trim() === '') return { ok: false, reason: 'the file is empty', incomplete: true };
  if (jsonTooDeep(text, maxDepth))
    return { ok: false, reason: `nested deeper than ${maxDepth} levels`, incomplete: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reason: `not valid JSON (${boundText(message, 120)})`,
      incomplete: /end of (JSON )?input|Unterminated string/i.test(message),
    };
  }
}
