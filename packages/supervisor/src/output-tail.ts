/** A longer line keeps only its last this many characters (behind `…`). */
const MAX_LINE_CHARS = 4096;

function clip(line: string): string {
  return line.length > MAX_LINE_CHARS ? `…${line.slice(-MAX_LINE_CHARS)}` : line;
}

/**
 * Keeps the last `max` lines of a stream of text chunks, each bounded: output that never ends its
 * line (a progress bar drawn with `\r`, a runaway print) costs neither memory nor time per chunk.
 */
export class OutputTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 50) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = clip(parts.pop() ?? '');
    for (const line of parts) {
      this.lines.push(clip(line));
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  last(count = this.max): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-count);
  }
}
