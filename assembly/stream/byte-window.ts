// The bytes a stream decoder holds between body callbacks (an event or frame not yet complete).
// Appends go to the end of one buffer that grows by doubling, so each byte is copied a bounded
// number of times however finely the provider splits its stream; re-copying what is held on every
// chunk was quadratic in the chunks of one long event (issue 22).

const EMPTY = new ArrayBuffer(0);
/** A buffer at least this large is let go when it empties, so an idle stream holds no more. */
const KEEP_BYTES: i32 = 64 * 1024;

export class ByteWindow {
  buffer: ArrayBuffer = EMPTY;
  length: i32 = 0;
  /** Bytes at the front that are done with: dropped at the next compact(), not now, because events handed out by this push still point into them. */
  private done: i32 = 0;

  get ptr(): usize { return changetype<usize>(this.buffer); }

  /** Drops the bytes marked done; returns how many (offsets into the window shift down by that). */
  compact(): i32 {
    const done = this.done;
    if (done == 0) return 0;
    const rest = this.length - done;
    if (rest > 0) memory.copy(this.ptr, this.ptr + <usize>done, <usize>rest);
    this.length = rest;
    this.done = 0;
    if (rest == 0 && this.buffer.byteLength >= KEEP_BYTES) this.buffer = EMPTY;
    return done;
  }

  /** Marks the first `n` bytes done (dropped at the next compact). */
  markDone(n: i32): void { this.done = n; }

  append(from: usize, n: i32): void {
    if (n <= 0) return;
    const need = this.length + n;
    if (need > this.buffer.byteLength) {
      let size = max<i32>(this.buffer.byteLength << 1, 256);
      while (size < need) size <<= 1;
      const grown = new ArrayBuffer(size);
      memory.copy(changetype<usize>(grown), this.ptr, <usize>this.length);
      this.buffer = grown;
    }
    memory.copy(this.ptr + <usize>this.length, from, <usize>n);
    this.length = need;
  }

  clear(): void { this.buffer = EMPTY; this.length = 0; this.done = 0; }
}
