/**
 * A bump allocator of byte ranges: many small buffers carved from a few
 * large ones.
 *
 * Why: creating a typed array costs about a microsecond in Deno (more than
 * encoding a small message), a view of an existing buffer a few
 * nanoseconds. The encoder's output, received-message copies, envelope
 * prefixes and remembered HPACK blocks all take their memory here.
 *
 * @module
 */

/**
 * Options of {@linkcode Slab}.
 *
 * @example Slabs of 64 KiB, a first one of 2 KiB
 * ```ts
 * import { Slab, type SlabOptions } from "./slab.ts";
 * const options: SlabOptions = { firstSize: 2 << 10, size: 64 << 10 };
 * const slab = new Slab(options);
 * ```
 */
export interface SlabOptions {
  /**
   * Size of every slab after the first.
   *
   * @default {65536}
   */
  size?: number;
  /**
   * Size of the first slab. Keep it small on hot paths: the code that takes
   * a new slab then runs within a process's first few hundred takes, while
   * V8 still collects type feedback. Compiled without that feedback, the
   * caller would be deoptimized at the first new slab, thousands of messages
   * into a run, and run slower until V8 optimizes it again.
   *
   * @default {2048}
   */
  firstSize?: number;
  /**
   * Requests above this many bytes get a buffer of their own (a large
   * request would waste most of a slab, or not fit in one).
   *
   * @default {size / 2}
   */
  ownAbove?: number;
}

/**
 * Hands out byte ranges of shared slabs: `take(n)` returns a view of the
 * next `n` free bytes of the current slab, or of a new slab when they do not
 * fit (the rest of the old one is abandoned; it is freed once no view uses
 * it). A range is never handed out twice, so a view stays valid as long as
 * it is referenced (it keeps its whole slab alive meanwhile). No slab is
 * allocated before the first `take`.
 *
 * One class serves every user, so `take` stays monomorphic.
 *
 * @example Carve two views from one slab
 * ```ts
 * import { Slab } from "./slab.ts";
 * const slab = new Slab({ size: 1024 });
 * const a = slab.take(5);
 * const b = slab.take(3);
 * console.log(a.buffer === b.buffer, b.byteOffset); // true 5
 * ```
 */
export class Slab {
  readonly #size: number;
  readonly #ownAbove: number;
  #next: number;
  #bytes: Uint8Array | undefined;
  #used = 0;

  /**
   * Creates an allocator; the first slab is allocated by the first `take`.
   *
   * @param options slab sizes and the own-buffer threshold
   */
  constructor(options: SlabOptions = {}) {
    this.#size = options.size ?? 64 << 10;
    this.#next = Math.min(options.firstSize ?? 2 << 10, this.#size);
    this.#ownAbove = options.ownAbove ?? this.#size >>> 1;
  }

  /**
   * `n` zero bytes nobody else uses: a slab view, or a buffer of its own
   * when `n` is above `ownAbove`.
   *
   * @param n the length in bytes
   * @returns a view of `n` bytes
   */
  take(n: number): Uint8Array {
    if (n > this.#ownAbove) return new Uint8Array(n);
    let bytes = this.#bytes;
    let used = this.#used;
    if (bytes === undefined || used + n > bytes.length) {
      // Sized for `n` too, in case ownAbove exceeds the slab size.
      bytes = this.#bytes = new Uint8Array(Math.max(this.#next, n));
      this.#next = this.#size;
      used = 0;
    }
    this.#used = used + n;
    return bytes.subarray(used, used + n);
  }
}
