/**
 * What a call needs from a connection: open a stream, and whether one can be
 * opened now. A picker hands calls a transport through a subchannel; the
 * client call depends on this interface only, never on a channel or on the
 * HTTP/2 connection class.
 *
 * @module
 */

import type { Http2Stream, StreamHandler } from "../http2/stream.ts";

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
