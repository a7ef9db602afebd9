/**
 * The inbound half of a call, one for client and server: DATA payloads in,
 * messages out, in order, within the receive limit, with flow-control
 * credit returned as the application keeps up.
 *
 * ```text
 * DATA ─push()→ EnvelopeDecoder ─┬─ plain, nothing chained ─────────→ deliver
 *                                └─ compressed, or behind one: chain → inflate → deliver
 * ```
 *
 * A compressed message is inflated asynchronously; every message after it
 * waits in the same promise chain, so messages reach the call in the order
 * they came. Until the first compressed message nothing is chained: plain
 * messages are delivered synchronously, inside `push()`.
 *
 * @module
 */

import { EnvelopeDecoder } from "./envelope.ts";
import { type Compression, messagePayload } from "./compression.ts";
import { GrpcError } from "./grpc_error.ts";
import { Code } from "./status.ts";
import { type CreditTarget, ReadCredit } from "./read_credit.ts";

/**
 * What a {@linkcode MessageReader} delivers to: the call. Both methods are
 * called only while the call runs or shortly after it ended (a call ignores
 * them once it ended).
 *
 * @example A sink collecting messages
 * ```ts
 * import type { MessageSink } from "./message_reader.ts";
 * const got: Uint8Array[] = [];
 * const sink: MessageSink = {
 *   onMessage: (bytes) => void got.push(bytes),
 *   onReadError: (error) => console.error(error),
 * };
 * ```
 */
export interface MessageSink {
  /**
   * One received message, decompressed, owned by the call.
   *
   * @param bytes the message
   * @param compressed whether it came compressed
   */
  onMessage(bytes: Uint8Array, compressed: boolean): void;
  /**
   * Reading failed: a prefix over the limit (RESOURCE_EXHAUSTED), a bad
   * Compressed-Flag, a message that does not inflate or inflates past the
   * limit. No message follows.
   *
   * @param error the status the call ends with
   */
  onReadError(error: GrpcError): void;
}

/**
 * Reads one call's messages. The call owns one, feeds it every DATA
 * payload with {@linkcode MessageReader.push}, reports what the application
 * takes with {@linkcode MessageReader.taken}, and asks
 * {@linkcode MessageReader.end} once the peer ended its side.
 *
 * @example Read two messages cut at odd places
 * ```ts
 * import { MessageReader } from "./message_reader.ts";
 * import { encodeEnvelope } from "./envelope.ts";
 * const got: number[][] = [];
 * const reader = new MessageReader(
 *   { onMessage: (b) => void got.push([...b]), onReadError: console.error },
 *   { consume: () => {} },
 *   1024,
 *   false,
 *   "response",
 * );
 * const wire = new Uint8Array([
 *   ...encodeEnvelope(new Uint8Array([1])),
 *   ...encodeEnvelope(new Uint8Array([2, 3])),
 * ]);
 * reader.push(wire.subarray(0, 3));
 * reader.push(wire.subarray(3));
 * console.log(got, reader.end()); // [ [ 1 ], [ 2, 3 ] ] undefined
 * ```
 */
export class MessageReader {
  /**
   * The peer's `grpc-encoding`, for messages whose Compressed-Flag is set
   * (a set flag without one is INTERNAL). The client learns it from the
   * response headers, after the reader was made.
   */
  encoding: Compression | undefined;
  readonly #sink: MessageSink;
  readonly #target: CreditTarget;
  readonly #maxSize: number;
  readonly #what: string;
  /**
   * Dropped once the input ended or the call did (the reader is then
   * closed): idle calls hold as little as possible.
   */
  #decoder: EnvelopeDecoder | undefined;
  /** Streaming calls only: a single message never waits unread. */
  readonly #credit: ReadCredit | undefined;
  /** Set from the first compressed message on; keeps later ones in order. */
  #chain: Promise<void> | undefined;

  /**
   * Creates the reader of one call.
   *
   * @param sink the call
   * @param target where flow-control credit goes (the stream)
   * @param maxSize the largest message accepted, compressed or not (bytes)
   * @param single whether the call takes one message (unary responses,
   * unary and server-streaming requests): nothing waits unread, so credit
   * returns at once
   * @param what "request" or "response", for error messages
   */
  constructor(
    sink: MessageSink,
    target: CreditTarget,
    maxSize: number,
    single: boolean,
    what: "request" | "response",
  ) {
    this.#sink = sink;
    this.#target = target;
    this.#maxSize = maxSize;
    this.#what = what;
    if (!single) this.#credit = new ReadCredit(target);
    this.#decoder = new EnvelopeDecoder({
      maxMessageSize: maxSize,
      // DATA payloads are views into the connection's reused read buffer.
      transient: true,
    });
  }

  /**
   * Settles once every message received so far was delivered (or reading
   * failed); never rejects. `undefined` when nothing is in flight: act at
   * once (no closure, no promise turn).
   */
  get pending(): Promise<void> | undefined {
    return this.#chain;
  }

  /**
   * Takes one DATA payload: delivers the messages it completes, then
   * returns its flow-control credit (or holds it, see `read_credit.ts`).
   *
   * @param data the payload, valid only during this call
   * @returns false when reading failed (the sink was told) or had ended
   */
  push(data: Uint8Array): boolean {
    const decoder = this.#decoder;
    if (decoder === undefined) return false;
    decoder.push(data);
    try {
      for (let env = decoder.next(); env !== null; env = decoder.next()) {
        if (env.compressed || this.#chain) {
          this.#chainMessage(env.data, env.compressed);
        } else this.#deliver(env.data, false);
      }
      decoder.retain();
    } catch (error) {
      this.#sink.onReadError(GrpcError.from(error, Code.INTERNAL));
      return false;
    }
    // One message: nothing waits unread, return credit at once.
    const credit = this.#credit;
    if (credit === undefined) this.#target.consume(data.length);
    else credit.received(data.length);
    return true;
  }

  /**
   * The application took a delivered message (streaming calls): credit
   * held while messages waited returns once none waits.
   */
  taken(): void {
    this.#credit?.taken();
  }

  /**
   * The peer ended its side. Call once {@linkcode MessageReader.pending}
   * settled; the reader then takes no more input.
   *
   * @returns INTERNAL when the input ended inside a message, else undefined
   */
  end(): GrpcError | undefined {
    const truncated = (this.#decoder?.buffered ?? 0) > 0;
    this.close();
    return truncated
      ? new GrpcError(Code.INTERNAL, `truncated ${this.#what} message`)
      : undefined;
  }

  /**
   * The call ended: drops buffered input, and compressed messages not yet
   * inflated are never delivered.
   */
  close(): void {
    this.#decoder = undefined;
  }

  #deliver(bytes: Uint8Array, compressed: boolean): void {
    // Counted before delivery: a waiting reader takes it synchronously.
    this.#credit?.delivered();
    this.#sink.onMessage(bytes, compressed);
  }

  #chainMessage(data: Uint8Array, compressed: boolean): void {
    const prev = this.#chain ?? Promise.resolve();
    this.#chain = prev.then(async () => {
      if (this.#decoder === undefined) return;
      const bytes = await messagePayload(
        data,
        compressed,
        this.encoding,
        this.#maxSize,
      );
      if (this.#decoder !== undefined) this.#deliver(bytes, compressed);
    }).catch((error) => {
      if (this.#decoder !== undefined) {
        this.#sink.onReadError(GrpcError.from(error, Code.INTERNAL));
      }
    });
  }
}
