/** Keeps the last `max` lines of a stream of text chunks. */
export class OutputTail {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 50) {}

  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  last(count = this.max): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-count);
  }
}
