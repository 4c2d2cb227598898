// Keeping the head and the tail of a stream that may be huge (a test printing 100 MB), in bounded memory, and
// saying how much was cut. The head shows what started; the tail holds the summary and the error.

export class CappedBuffer {
  private head: Buffer[] = [];
  private headLen = 0;
  private tail: Buffer[] = [];
  private tailLen = 0;
  total = 0;
  private readonly headCap: number;
  private readonly tailCap: number;

  constructor(readonly capBytes: number) {
    this.headCap = Math.floor(capBytes / 2);
    this.tailCap = capBytes - this.headCap;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headLen < this.headCap) {
      const take = Math.min(chunk.length, this.headCap - this.headLen);
      this.head.push(chunk.subarray(0, take));
      this.headLen += take;
      chunk = chunk.subarray(take);
    }
    if (!chunk.length) return;
    this.tail.push(chunk);
    this.tailLen += chunk.length;
    // Drop whole chunks from the front while the rest still covers the tail cap.
    while (this.tail.length > 1 && this.tailLen - this.tail[0]!.length >= this.tailCap) {
      this.tailLen -= this.tail.shift()!.length;
    }
  }

  get truncatedBytes(): number {
    return Math.max(0, this.total - this.headLen - Math.min(this.tailLen, this.tailCap));
  }

  toString(): string {
    const head = Buffer.concat(this.head);
    let tail = Buffer.concat(this.tail);
    if (tail.length > this.tailCap) tail = tail.subarray(tail.length - this.tailCap);
    const cut = this.truncatedBytes;
    if (!cut) return Buffer.concat([head, tail]).toString('utf8');
    return `${head.toString('utf8')}\n[... ${cut} bytes of output cut ...]\n${tail.toString('utf8')}`;
  }
}

/** Caps a string the same way (for text already in memory). */
export function capText(text: string, capBytes: number): { text: string; truncatedBytes: number } {
  const buf = new CappedBuffer(capBytes);
  buf.push(Buffer.from(text, 'utf8'));
  return { text: buf.toString(), truncatedBytes: buf.truncatedBytes };
}
