/**
 * The outbound half of a call, one for client and server: the send limit,
 * compression per message, the 5-byte prefix ({@linkcode sendEnvelope}) and
 * backpressure.
 *
 * Plain functions over what the call already holds (its stream, limit and
 * compression): writing keeps no state of its own, so a call allocates
 * nothing for it. The plain path is synchronous: a message the stream hands
 * to the socket writer at once returns `undefined` (the stream's
 * `HANDED_OVER` sentinel, compared by identity, instead of a promise), so
 * senders skip an `await` — a few promise turns per message.
 *
 * @module
 */

import {
  joinParts,
  type MessageParts,
  type PartsSink,
  sendEnvelope,
} from "./envelope.ts";
import type { Compression } from "./compression.ts";
import { GrpcError } from "./grpc_error.ts";
import { Code } from "./status.ts";
import { HANDED_OVER } from "../http2/stream.ts";

/**
 * What {@linkcode writeMessage} asks of the call, on the compressed path
 * only (compression finishes later).
 *
 * @example An owner that logs
 * ```ts
 * import type { WriterOwner } from "./message_writer.ts";
 * const owner: WriterOwner = {
 *   ended: false,
 *   onWriteError: (e) => console.error(e),
 * };
 * ```
 */
export interface WriterOwner {
  /** Whether the call ended: a message compressed after that is dropped. */
  readonly ended: boolean;
  /**
   * Compressing a message failed (INTERNAL): nothing was sent, the call
   * should end.
   *
   * @param error the status
   */
  onWriteError(error: GrpcError): void;
}

/**
 * Checks a message against the send limit, before
 * {@linkcode writeMessage} (the server checks before sending its response
 * header, so that an oversized first message fails as Trailers-Only).
 *
 * @example Over the limit
 * ```ts
 * import { checkSendSize } from "./message_writer.ts";
 * try {
 *   checkSendSize(2048, 1024, "request");
 * } catch (e) {
 *   console.log(String(e)); // GrpcError: [RESOURCE_EXHAUSTED] request message of 2048 bytes exceeds the limit of 1024
 * }
 * ```
 *
 * @param length the message's length before compression
 * @param maxSize the limit (bytes)
 * @param what "request" or "response", for the error message
 * @throws {GrpcError} RESOURCE_EXHAUSTED when it is over the limit
 */
export function checkSendSize(
  length: number,
  maxSize: number,
  what: "request" | "response",
): void {
  if (length > maxSize) {
    throw new GrpcError(
      Code.RESOURCE_EXHAUSTED,
      `${what} message of ${length} bytes exceeds the limit of ${maxSize}`,
    );
  }
}

/**
 * Sends one message (checked by {@linkcode checkSendSize}) onto the call's
 * stream: compressed when `compression` is given, then framed.
 *
 * @example Send a message and wait only when flow control holds it
 * ```ts
 * import { writeMessage } from "./message_writer.ts";
 * const wire: number[] = [];
 * const stream = {
 *   sendParts(parts: readonly Uint8Array[]) {
 *     for (const p of parts) wire.push(...p);
 *     return Promise.resolve();
 *   },
 * };
 * const owner = { ended: false, onWriteError: console.error };
 * const message = { parts: [new Uint8Array([7])], length: 1 };
 * const sent = writeMessage(owner, stream, message, false, undefined, true);
 * if (sent) await sent;
 * console.log(wire); // [ 0, 0, 0, 0, 1, 7 ]
 * ```
 *
 * @param owner the call (asked only once a compressed message is ready)
 * @param stream the call's stream
 * @param message the encoded message (maybe with room for the prefix)
 * @param end whether it ends our side of the stream
 * @param compression compress it with this (undefined: as it is)
 * @param wait whether the result waits for flow control; without it, only
 * for compression (a unary response's trailers may queue behind it at
 * once)
 * @returns undefined when the message went to the socket writer at once;
 * else a promise that settles once it did (or the stream ended: the call's
 * end tells why). Never rejects.
 */
export function writeMessage(
  owner: WriterOwner,
  stream: PartsSink,
  message: MessageParts,
  end: boolean,
  compression: Compression | undefined,
  wait: boolean,
): Promise<void> | undefined {
  if (compression === undefined) {
    return frame(stream, message, false, end, wait);
  }
  return compression.compress(joinParts(message)).then(
    (payload) => {
      if (owner.ended) return;
      return frame(
        stream,
        { parts: [payload], length: payload.length },
        true,
        end,
        wait,
      );
    },
    (error) => owner.onWriteError(GrpcError.from(error, Code.INTERNAL)),
  );
}

function frame(
  stream: PartsSink,
  message: MessageParts,
  compressed: boolean,
  end: boolean,
  wait: boolean,
): Promise<void> | undefined {
  let sent: Promise<void>;
  try {
    sent = sendEnvelope(stream, message, compressed, end);
  } catch {
    return; // The stream ended; the call's end tells why.
  }
  if (sent === HANDED_OVER) return;
  // Caught even when nobody waits: the stream may end while it is queued
  // (the call's end tells why).
  const settled = sent.catch(ignore);
  return wait ? settled : undefined;
}

function ignore(): void {}
