/**
 * "Zip bombs" for tests: gzip and zlib streams of `size` zero bytes at
 * deflate's largest ratio (1032:1), built directly instead of compressing
 * `size` bytes (a 1 GiB bomb takes milliseconds, not a second of CPU).
 *
 * One dynamic-Huffman block (RFC 1951 §3.2.7) whose literal/length code has
 * three symbols: 285 (length 258) with the 1-bit code `0`, literal 0 and
 * end-of-block with 2-bit codes; the distance code has one symbol, 0
 * (distance 1), with the 1-bit code `0`. After one literal zero, each
 * 258-byte copy is two zero bits: the body is zero bytes.
 *
 * @module
 */

import assert from "node:assert/strict";

/** LSB-first bit writer over a zero-filled buffer (RFC 1951 §3.1.1). */
class BitWriter {
  readonly bytes: Uint8Array;
  #bit = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Writes `count` bits of `value`, least significant first. */
  bits(value: number, count: number): void {
    for (let i = 0; i < count; i++, this.#bit++) {
      if ((value >>> i) & 1) {
        this.bytes[this.#bit >>> 3] |= 1 << (this.#bit & 7);
      }
    }
  }

  /** Writes a Huffman code, most significant bit first (§3.1.1). */
  code(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.bits((value >>> i) & 1, 1);
  }

  /** Skips `count` zero bits (the buffer is already zero). */
  zeros(count: number): void {
    this.#bit += count;
  }

  /** The bytes written so far, the last one padded with zero bits. */
  done(): Uint8Array {
    return this.bytes.subarray(0, (this.#bit + 7) >>> 3);
  }
}

/** A raw deflate stream (RFC 1951) of `size` zero bytes, `size` ≥ 1. */
export function deflateRawBomb(size: number): Uint8Array {
  const matches = Math.floor((size - 1) / 258);
  const literals = size - 1 - matches * 258; // 0..257 more literal zeros
  const w = new BitWriter(Math.ceil((2 * matches + 2 * literals) / 8) + 64);
  w.bits(1, 1); // BFINAL
  w.bits(2, 2); // BTYPE: dynamic Huffman
  w.bits(286 - 257, 5); // HLIT: literal/length codes 0..285
  w.bits(1 - 1, 5); // HDIST: one distance code
  // Code-length code: symbols 0, 1, 2 and 18 (repeat zero), 2 bits each.
  const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
  w.bits(order.length - 4, 4); // HCLEN
  for (let i = 0; i < order.length; i++) {
    const s = order[i];
    w.bits(s === 0 || s === 1 || s === 2 || s === 18 ? 2 : 0, 3);
  }
  // Canonical codes of the code-length code: 0→00, 1→01, 2→10, 18→11.
  const length = (l: number) => w.code(l, 2);
  const zeroRun = (n: number) => {
    w.code(3, 2);
    w.bits(n - 11, 7);
  };
  length(2); // literal 0
  zeroRun(138); // 1..138
  zeroRun(117); // 139..255
  length(2); // 256: end of block
  zeroRun(28); // 257..284
  length(1); // 285: length 258
  length(1); // distance code 0: distance 1
  // Canonical codes: 285 → 0; literal 0 → 10; 256 → 11; distance 0 → 0.
  w.code(2, 2); // the first zero
  w.zeros(2 * matches); // each: length 258 (0), distance 1 (0)
  for (let i = 0; i < literals; i++) w.code(2, 2);
  w.code(3, 2); // end of block
  return w.done();
}

/** CRC-32 (ISO-HDLC, as gzip's) of `size` zero bytes, in O(log size). */
export function crc32OfZeros(size: number): number {
  // The register's update for one zero bit is linear: a 32×32 matrix over
  // GF(2), one column per bit. Squaring it doubles the run it stands for.
  const times = (m: number[], v: number) => {
    let sum = 0;
    for (let i = 0; v !== 0; i++, v >>>= 1) if (v & 1) sum ^= m[i];
    return sum >>> 0;
  };
  const square = (m: number[]) => m.map((col) => times(m, col));
  let op = [0xedb88320];
  for (let i = 1; i < 32; i++) op.push(1 << (i - 1));
  for (let i = 0; i < 3; i++) op = square(op); // one zero byte
  let crc = 0xffffffff;
  for (let n = size; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) crc = times(op, crc);
    op = square(op);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A gzip stream (RFC 1952) of `size` zero bytes, checksums correct. */
export function gzipBomb(size: number): Uint8Array {
  const body = deflateRawBomb(size);
  const out = new Uint8Array(10 + body.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]); // no name, mtime 0
  out.set(body, 10);
  const tail = new DataView(out.buffer, 10 + body.length);
  tail.setUint32(0, crc32OfZeros(size), true);
  tail.setUint32(4, size % 2 ** 32, true); // ISIZE
  return out;
}

/** A zlib stream (RFC 1950, gRPC's `deflate`) of `size` zero bytes. */
export function zlibBomb(size: number): Uint8Array {
  const body = deflateRawBomb(size);
  const out = new Uint8Array(2 + body.length + 4);
  out.set([0x78, 0x01]); // deflate, 32 KiB window, FCHECK
  out.set(body, 2);
  // Adler-32 of zeros: a stays 1, b adds 1 per byte.
  new DataView(out.buffer).setUint32(
    2 + body.length,
    ((size % 65521) * 65536 + 1) >>> 0,
  );
  return out;
}

/** What {@linkcode measure} saw. */
export interface Measured {
  /** Wall time, in ms. */
  ms: number;
  /** RSS after minus RSS before, in bytes. */
  rssGrowth: number;
  /**
   * Peak RSS while running minus RSS before, in bytes; `undefined` where
   * the peak cannot be reset (not Linux, or no read/write permission).
   */
  peakGrowth: number | undefined;
}

/** Linux's peak RSS (`VmHWM`), in bytes. */
function peakRss(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s*(\d+) kB/.exec(status)![1]) * 1024;
}

/** Resets Linux's peak RSS to the current RSS; false where it cannot. */
function resetPeakRss(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    peakRss();
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `fn`, measuring its wall time and the process's memory growth: RSS
 * after minus before (memory still held) and, on Linux, the peak (memory
 * held at any moment, freed or not since).
 */
export async function measure(fn: () => Promise<void>): Promise<Measured> {
  const hasPeak = resetPeakRss();
  const before = Deno.memoryUsage().rss;
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  const rssGrowth = Deno.memoryUsage().rss - before;
  return {
    ms,
    rssGrowth,
    peakGrowth: hasPeak ? peakRss() - before : undefined,
  };
}

const MIB = 1024 * 1024;

/**
 * Issue 12's bounds for a 1 GiB bomb: rejected within a second, with the
 * process's memory (RSS, and its peak where known) growing under 32 MiB.
 */
export function assertQuickAndSmall(m: Measured): void {
  const seen = describe(m);
  assert.ok(m.ms < 1000, `took too long: ${seen}`);
  assert.ok(m.rssGrowth < 32 * MIB, `RSS grew too much: ${seen}`);
  if (m.peakGrowth !== undefined) {
    assert.ok(m.peakGrowth < 32 * MIB, `peak RSS grew too much: ${seen}`);
  }
}

/** Formats a measurement for assertion messages. */
function describe(m: Measured): string {
  const peak = m.peakGrowth === undefined
    ? "n/a"
    : `${(m.peakGrowth / MIB).toFixed(1)} MiB`;
  return `${m.ms.toFixed(0)} ms, RSS +${
    (m.rssGrowth / MIB).toFixed(1)
  } MiB, peak +${peak}`;
}
