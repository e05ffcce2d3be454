/** What a tolerant read yields: nothing there, something unusable (and why), or the value. */
export type TolerantRead<T> =
  | { kind: 'missing' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'ok'; value: T };
