/** A queue whose reader can await the next item. */
export class Mailbox<T> {
  private items: T[] = [];
  private waiter: ((item: T) => void) | null = null;

  push(item: T): void {
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve(item);
    } else this.items.push(item);
  }

  next(): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Takes the first queued item matching `predicate`, leaving the others. */
  takeWhere(predicate: (item: T) => boolean): T | undefined {
    const index = this.items.findIndex(predicate);
    return index === -1 ? undefined : this.items.splice(index, 1)[0];
  }
}
