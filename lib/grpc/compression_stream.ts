/**
 * Drives a Web `CompressionStream` or `DecompressionStream` over one
 * message, with a bound on its output that also bounds memory: a "zip
 * bomb" is cancelled as soon as its output passes the limit instead of
 * inflating first and being measured after.
 *
 * @module
 */

/**
 * deflate's largest expansion (RFC 1951): a 258-byte match whose length and
 * distance codes are one bit each inflates 2 bits into 258 bytes. gzip and
 * zlib add only headers, so n compressed bytes never yield more than
 * n × 1032 (zlib's own bound: "a compression ratio of 1032:1").
 */
const MAX_RATIO = 1032;

/**
 * The largest slice fed to a `DecompressionStream` at once. The native side
 * builds a write's whole output in one growing buffer: 16 MiB in one write
 * inflate at a third of the speed of 1–5 MiB (measured: ~100 against ~270
 * MiB/s), while a write and read add only ~3–5 µs. 16 KiB keeps a typical
 * 3–50:1 message's output per write under 1 MiB.
 */
const MAX_SLICE = 16 * 1024;

/**
 * The input that may go in one write once `size` bytes came out: what
 * cannot inflate past `maxSize` (the budget left over {@linkcode MAX_RATIO})
 * plus a headroom whose worst case, `headroom × MAX_RATIO`, is all that may
 * ever inflate past the limit before the size check sees it. The headroom
 * is a quarter of the limit (1016 bytes → 1 MiB past the default 4 MiB), at
 * least 64 bytes (66 KiB: tiny limits still make progress).
 */
function sliceAfter(size: number, maxSize: number): number {
  const headroom = Math.max(64, Math.floor(maxSize / (4 * MAX_RATIO)));
  const slice = Math.floor((maxSize - size) / MAX_RATIO) + headroom;
  return slice < MAX_SLICE ? slice : MAX_SLICE;
}

/** Joins chunks whose total length is `size` into one buffer. */
function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], at);
    at += chunks[i].length;
  }
  return out;
}

/**
 * Feeds `data` through `stream` and collects its output, stopping (and
 * cancelling the stream) once more than `maxSize` bytes come out.
 *
 * With `sliced`, a "zip bomb" never inflates: the input goes in slices
 * sized by {@linkcode sliceAfter} from the output read so far, and the
 * output is read between slices. The stream's backpressure (a
 * `TransformStream` runs the next write only once the previous output was
 * read) keeps one slice's output in flight at most, so the memory held
 * while inflating stays under `maxSize` plus the headroom's output (1.25 ×
 * `maxSize`, or `maxSize` + 66 KiB for tiny limits). Slices shrink only as the output nears the limit: a
 * message whose compressed size is small next to the limit (5 KiB at the
 * default 4 MiB) goes in one write, as it would unsliced, and larger ones
 * in slices of up to 16 KiB, which inflate faster than one big write.
 *
 * Without `sliced` (compression: each write ends in a sync flush, which
 * costs ratio), the input goes in one write.
 *
 * @example Inflate with a limit
 * ```ts
 * import { runTransform } from "./compression_stream.ts";
 *
 * const packed = new Uint8Array(
 *   await new Response(
 *     new Blob([new Uint8Array(10_000)]).stream()
 *       .pipeThrough(new CompressionStream("gzip")),
 *   ).arrayBuffer(),
 * );
 * const inflate = () => new DecompressionStream("gzip");
 * console.log((await runTransform(inflate(), packed, 10_000, true))?.length); // 10000
 * console.log(await runTransform(inflate(), packed, 9_999, true)); // undefined
 * ```
 *
 * @param stream a fresh `CompressionStream` or `DecompressionStream`
 * @param data the input (not copied; left unchanged)
 * @param maxSize the largest output accepted, in bytes
 * @param sliced feed the input in slices bounded by `maxSize`
 * @returns the output, or `undefined` when it passed `maxSize`
 * @throws the stream's error (corrupt input)
 */
export async function runTransform(
  stream: ReadableWritablePair<Uint8Array, BufferSource>,
  data: Uint8Array,
  maxSize: number,
  sliced: boolean,
): Promise<Uint8Array | undefined> {
  const writer = stream.writable.getWriter();
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Typed as ArrayBuffer-backed: a SharedArrayBuffer view is not a
  // BufferSource, and the stream rejects it at run time.
  const input = data as Uint8Array<ArrayBuffer>;
  const n = input.length;
  // Settles once all input is written (or the stream failed: the reader
  // sees that error). Never rejects, so it needs no handler of its own.
  let writing: Promise<unknown>;
  if (!sliced || n <= sliceAfter(0, maxSize)) {
    // One write: not awaited here, since it completes only once its output
    // is read below.
    if (n > 0) writer.write(input).catch(ignore);
    writing = writer.close().catch(ignore);
  } else {
    writing = (async () => {
      for (let at = 0; at < n;) {
        // `size` is current: a write's output reaches the pending read
        // before the write settles.
        const end = Math.min(at + sliceAfter(size, maxSize), n);
        await writer.write(input.subarray(at, end));
        at = end;
      }
      await writer.close();
    })().catch(ignore);
  }
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concat(chunks, size);
    size += value.length;
    if (size > maxSize) {
      // Errors the writable side too: the write pending rejects, and the
      // stream's cancel releases the native inflater.
      await reader.cancel().catch(ignore);
      await writing;
      return undefined;
    }
    chunks.push(value);
  }
}

function ignore(): void {}
