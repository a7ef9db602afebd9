/**
 * A queue of received byte chunks, read across chunk boundaries without
 * joining them: the common ground of the HTTP/2 frame decoder and the gRPC
 * message decoder.
 *
 * @module
 */

const EMPTY = new Uint8Array(0);
/** Compact the chunk array once this many consumed slots pile up in front. */
const COMPACT_AFTER = 64;
/** `peek` copies pieces up to this long byte by byte. */
const PEEK_BY_BYTE = 16;

/**
 * Bytes pushed as chunks and consumed from the front. Chunks are kept by
 * reference, never concatenated: {@linkcode ByteQueue.view} returns bytes
 * lying within one chunk as a view of it (zero copy); bytes spanning chunks
 * are copied, once, by {@linkcode ByteQueue.read} into a buffer the caller
 * chose. The chunk array is reused, never replaced or shrunk: a read's chunk
 * costs no allocation.
 *
 * A reader that parses fixed-size headers in place looks at
 * {@linkcode ByteQueue.chunk} from {@linkcode ByteQueue.offset} when the
 * header lies within it, and copies it with {@linkcode ByteQueue.peek} when
 * it does not.
 *
 * @example Read a 4-byte length and a body pushed in odd pieces
 * ```ts
 * import { ByteQueue } from "./byte_queue.ts";
 * const queue = new ByteQueue();
 * queue.push(new Uint8Array([0, 0]));
 * queue.push(new Uint8Array([0, 2, 7, 8]));
 * const header = queue.read(new Uint8Array(4)); // spans chunks: copied
 * const body = queue.view(2); // within one chunk: a view
 * console.log(header[3], body, queue.length); // 2 Uint8Array(2) [ 7, 8 ] 0
 * ```
 */
export class ByteQueue {
  /**
   * Pushed chunks in slots `#head` to `#tail` (exclusive); those before
   * `#head` are consumed and hold EMPTY (they keep no memory alive).
   */
  readonly #chunks: Uint8Array[] = [];
  #head = 0;
  #tail = 0;
  /** Read position within `#chunks[#head]`. */
  #offset = 0;
  #length = 0;

  /** Bytes held and not yet consumed. */
  get length(): number {
    return this.#length;
  }

  /**
   * The chunk holding the next byte (valid while `length` > 0; EMPTY or
   * undefined otherwise). Read it, never write it.
   */
  get chunk(): Uint8Array {
    return this.#chunks[this.#head];
  }

  /** Position of the next byte within {@linkcode ByteQueue.chunk}. */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Appends a chunk, by reference: the caller must not change it while it is
   * held (see {@linkcode ByteQueue.detach}). Empty chunks are ignored.
   *
   * @param chunk received bytes
   */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks[this.#tail++] = chunk;
    this.#length += chunk.length;
  }

  /**
   * Consumes `n` bytes (at most `length`), across chunks if need be.
   *
   * @param n the number of bytes
   */
  skip(n: number): void {
    this.#length -= n;
    const chunks = this.#chunks;
    let offset = this.#offset + n;
    let head = this.#head;
    while (head < this.#tail && offset >= chunks[head].length) {
      offset -= chunks[head].length;
      chunks[head++] = EMPTY; // release the memory early
    }
    this.#offset = offset;
    if (head === this.#tail) {
      this.#head = this.#tail = 0;
    } else if (head >= COMPACT_AFTER) {
      // Moved in place: a new array per compaction would be garbage.
      const live = this.#tail - head;
      for (let i = 0; i < live; i++) chunks[i] = chunks[head + i];
      for (let i = live; i < this.#tail; i++) chunks[i] = EMPTY;
      this.#head = 0;
      this.#tail = live;
    } else this.#head = head;
  }

  /**
   * Consumes the next `n` bytes as a view of the chunk holding them, if one
   * does; else consumes nothing and returns undefined (then `read` them).
   * `n` must not exceed `length`.
   *
   * @param n the number of bytes
   * @returns a view of `n` bytes (a shared empty array when `n` is 0), or
   * undefined when they span chunks
   */
  view(n: number): Uint8Array | undefined {
    if (n === 0) return EMPTY;
    const chunk = this.#chunks[this.#head];
    const at = this.#offset;
    if (chunk.length - at < n) return undefined;
    this.skip(n);
    return chunk.subarray(at, at + n);
  }

  /**
   * Consumes the next `dst.length` bytes (at most `length`) into `dst`.
   *
   * @param dst where the bytes go
   * @returns `dst`
   */
  read(dst: Uint8Array): Uint8Array {
    const n = dst.length;
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[this.#head];
      const from = this.#offset;
      const count = Math.min(c.length - from, n - filled);
      // A whole chunk is set as it is: no subarray object.
      dst.set(
        from === 0 && count === c.length ? c : c.subarray(from, from + count),
        filled,
      );
      filled += count;
      this.skip(count);
    }
    return dst;
  }

  /**
   * Copies the next `dst.length` bytes (at most `length`) into `dst`
   * without consuming them.
   *
   * @param dst where the bytes go
   * @returns `dst`
   */
  peek(dst: Uint8Array): Uint8Array {
    const n = dst.length;
    let copied = 0;
    let offset = this.#offset;
    for (let i = this.#head; copied < n; i++, offset = 0) {
      const chunk = this.#chunks[i];
      const count = Math.min(chunk.length - offset, n - copied);
      // A few bytes (a frame header) are copied one by one: no subarray.
      if (count <= PEEK_BY_BYTE) {
        for (let k = 0; k < count; k++) dst[copied + k] = chunk[offset + k];
      } else dst.set(chunk.subarray(offset, offset + count), copied);
      copied += count;
    }
    return dst;
  }

  /**
   * Copies what is held into one buffer of the queue's own, so that the
   * pushed chunks may be reused by the caller (a reused read buffer).
   * Bytes consumed before stay wherever the caller put them.
   */
  detach(): void {
    const n = this.#length;
    // Nothing held: every chunk was consumed and dropped already.
    if (n === 0) return;
    this.push(this.read(new Uint8Array(n)));
  }

  /** Forgets everything held. */
  clear(): void {
    const chunks = this.#chunks;
    for (let i = this.#head; i < this.#tail; i++) chunks[i] = EMPTY;
    this.#head = this.#tail = 0;
    this.#offset = 0;
    this.#length = 0;
  }
}
