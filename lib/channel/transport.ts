/**
 * What a call needs from a connection: open a stream, and whether one can be
 * opened now. A picker hands calls a transport through a subchannel; the
 * client call depends on this interface only, never on a channel or on the
 * HTTP/2 connection class.
 *
 * @module
 */

import type { Http2Stream, StreamHandler } from "../http2/stream.ts";
import type { Subchannel } from "./subchannel.ts";

/**
 * A connection that takes call streams (grpc-go's `ClientTransport`, reduced
 * to what a call uses). `Http2Connection` implements it.
 *
 * @example Start a stream if the transport can take one now
 * ```ts ignore
 * const stream = transport.isAvailable
 *   ? transport.tryOpenStream(handler) ?? await transport.openStream(handler)
 *   : undefined;
 * ```
 */
export interface CallTransport {
  /** Whether new streams may be opened (not closing, no GOAWAY). */
  readonly isAvailable: boolean;
  /**
   * Opens a stream now, without a promise, if the peer's
   * MAX_CONCURRENT_STREAMS allows (the same-turn fast path).
   *
   * @param handler receives the response
   * @returns the stream, or undefined when it would have to wait
   * @throws when the transport is no longer available
   */
  tryOpenStream(handler: StreamHandler): Http2Stream | undefined;
  /**
   * Opens a stream, waiting while the peer's MAX_CONCURRENT_STREAMS is
   * reached.
   *
   * @param handler receives the response
   * @returns the stream; rejects when the transport closes first
   */
  openStream(handler: StreamHandler): Promise<Http2Stream>;
}

/**
 * What carries a transport: the channel's own subchannels (and test
 * doubles). Public {@linkcode Subchannel}s do not show it, so engine types
 * stay out of the root module's API.
 */
export interface TransportCarrier {
  /** The connection while READY, else undefined. */
  readonly transport: CallTransport | undefined;
}

/**
 * The transport of a picked subchannel, if it is READY. A subchannel not
 * made by a channel has none (its calls wait for the next picker).
 *
 * @example
 * ```ts ignore
 * const result = channel.picker.pick(info);
 * const transport = result.type === "complete" ? transportOf(result.subchannel) : undefined;
 * ```
 *
 * @param subchannel what the picker chose
 * @returns its transport, or undefined
 */
export function transportOf(subchannel: Subchannel): CallTransport | undefined {
  // A structural read: no lookup table on the per-call path.
  return (subchannel as Partial<TransportCarrier>).transport;
}
