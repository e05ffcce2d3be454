import { StringDecoder } from 'node:string_decoder';

/**
 * Watches ComfyUI's output for a line that means it is alive but broken (a CUDA illegal memory
 * access, a device-side assert): config `fatal_output_patterns`. Chunks are split into lines across
 * chunk boundaries (`\n`, `\r\n`, and the bare `\r` of progress bars), each stream on its own; a line
 * longer than `maxLineChars` is cut there (the rest of it is not looked at), so a stream without
 * newlines costs bounded memory.
 */
export interface FatalOutputMatcher {
  /**
   * Feeds one chunk of `stream` (e.g. `'stdout'`, `'stderr'`). Returns the first line that matches
   * a pattern, the first time one does; null otherwise and ever after (one verdict per process:
   * make a new matcher for the next ComfyUI).
   */
  push(chunk: string | Uint8Array, stream?: string): string | null;
  /** At the stream's end: the unterminated last line is checked too. */
  end(stream?: string): string | null;
  /** The matching line, once there is one. */
  readonly matched: string | null;
}

export interface FatalOutputOptions {
  /** Longer lines are cut to this many characters before matching. @default 4096 */
  maxLineChars?: number | undefined;
}

interface StreamState {
  decoder: StringDecoder;
  line: string;
}

/** Patterns as RegExps; a string that does not compile is left out (the config has warned already). */
export function compilePatterns(patterns: ReadonlyArray<string | RegExp>): RegExp[] {
  const compiled: RegExp[] = [];
  for (const pattern of patterns) {
    if (pattern instanceof RegExp) compiled.push(pattern);
    else
      try {
        compiled.push(new RegExp(pattern));
      } catch {
        // refused when the config was read
      }
  }
  return compiled;
}

export function createFatalOutputMatcher(
  patterns: ReadonlyArray<string | RegExp>,
  options: FatalOutputOptions = {},
): FatalOutputMatcher {
  const regexes = compilePatterns(patterns).map((r) =>
    r.global || r.sticky ? new RegExp(r.source, r.flags.replace(/[gy]/g, '')) : r,
  );
  const maxLineChars = Math.max(1, options.maxLineChars ?? 4096);
  const streams = new Map<string, StreamState>();
  let matched: string | null = null;

  const stateOf = (stream: string): StreamState => streamState(streams, stream);

  const append = (state: StreamState, piece: string) => appendBounded(state, piece, maxLineChars);

  /** Ends the current line of `state`: true when it matched. */
  const finish = (state: StreamState): boolean => {
    const line = state.line;
    state.line = '';
    if (line.length === 0 || !regexes.some((r) => r.test(line))) return false;
    matched = line;
    return true;
  };

  const feed = (state: StreamState, text: string): string | null => {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code !== 10 && code !== 13) continue;
      append(state, text.slice(start, i));
      start = i + 1;
      if (finish(state)) return matched;
    }
    append(state, text.slice(start));
    return null;
  };

  return {
    push(chunk, stream = 'output') {
      if (matched !== null || regexes.length === 0) return null;
      const state = stateOf(stream);
      return feed(state, typeof chunk === 'string' ? chunk : state.decoder.write(chunk as Buffer));
    },
    end(stream = 'output') {
      if (matched !== null || regexes.length === 0) return null;
      const state = stateOf(stream);
      append(state, state.decoder.end());
      return finish(state) ? matched : null;
    },
    get matched() {
      return matched;
    },
  };
}

/** Adds `piece` to the line being read, keeping at most `max` characters of it. */
function appendBounded(state: StreamState, piece: string, max: number): void {
  const room = max - state.line.length;
  if (room > 0) state.line += piece.length > room ? piece.slice(0, room) : piece;
}

/** The line being read on `stream` (each stream has its own, and its own UTF-8 decoder). */
function streamState(streams: Map<string, StreamState>, stream: string): StreamState {
  let state = streams.get(stream);
  if (!state) {
    state = { decoder: new StringDecoder('utf8'), line: '' };
    streams.set(stream, state);
  }
  return state;
}
