import { describe, expect, it } from 'vitest';
import { toPythonJson } from './python-json.ts';

describe('toPythonJson', () => {
  it('matches json.dumps(indent=2) layout and ensure_ascii escapes', () => {
    expect(toPythonJson({ a: [], b: {}, c: [1, 'x'], d: null, e: true }, 2)).toBe(
      '{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    "x"\n  ],\n  "d": null,\n  "e": true\n}',
    );
    expect(toPythonJson('é\u007f😀\n"\\\u0001')).toBe('"\\u00e9\\u007f\\ud83d\\ude00\\n\\"\\\\\\u0001"');
  });

  it('uses Python separators without indent and writes timestamps as floats', () => {
    expect(toPythonJson({ command: 'restart', timestamp: 12, n: 3 })).toBe(
      '{"command": "restart", "timestamp": 12.0, "n": 3}',
    );
    expect(toPythonJson({ updated_at: 1e-7 })).toBe('{"updated_at": 1e-07}');
  });
});
