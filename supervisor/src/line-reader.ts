/**
 * Splits a byte stream into "\n"-terminated lines without ever holding more than maxLine bytes of an
 * unfinished one. Each byte is scanned once: a long line arriving in many chunks is joined once, when
 * it ends, not re-concatenated and re-searched on every chunk.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private partial = 0;

  /** The longest line accepted, counting its "\n". It may change between chunks. */
  constructor(public maxLine: number) {}

  /** Bytes of the unfinished line kept so far. */
  get pending(): number {
    return this.partial;
  }

  /**
   * Hands each complete line in chunk to onLine (as a view of chunk where possible). Returns false,
   * keeping nothing, as soon as a line is longer than maxLine.
   */
  push(chunk: Buffer, onLine: (line: Buffer) => void): boolean {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const length = this.partial + nl + 1 - start;
      if (length > this.maxLine) return this.clear();
      let line = chunk.subarray(start, nl + 1);
      if (this.partial > 0) {
        this.parts.push(line);
        line = Buffer.concat(this.parts, length);
        this.parts = [];
        this.partial = 0;
      }
      start = nl + 1;
      onLine(line);
    }
    const rest = chunk.length - start;
    if (rest === 0) return true;
    // The line is at least one byte (its "\n") longer than what has arrived.
    if (this.partial + rest >= this.maxLine) return this.clear();
    this.parts.push(start === 0 ? chunk : chunk.subarray(start));
    this.partial += rest;
    return true;
  }

  /** Drops the unfinished line. */
  clear(): false {
    this.parts = [];
    this.partial = 0;
    return false;
  }
}
