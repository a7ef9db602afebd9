/**
 * The context a server handler gets: request metadata, deadline, a signal
 * that fires on cancellation, and the response's headers and trailers.
 *
 * @module
 */

import type { DescMethod } from "../protobuf.ts";
import type { Metadata } from "../grpc/metadata.ts";
import type { GrpcError } from "../grpc/grpc_error.ts";

/**
 * What a handler knows of its call and how it shapes the response.
 *
 * @example Read metadata, set a trailer
 * ```ts ignore
 * async sayHello(req, ctx) {
 *   const user = ctx.metadata.get("x-user");
 *   ctx.responseTrailer.set("x-served-by", "a");
 *   return { message: `Hello ${req.name}` };
 * }
 * ```
 */
export interface ServerContext {
  /** The method called. */
  readonly method: DescMethod;
  /** Request metadata (reserved headers excluded). */
  readonly metadata: Metadata;
  /** The deadline from `grpc-timeout`, as epoch ms, if the client set one. */
  readonly deadline: number | undefined;
  /** Fires when the call is cancelled, its deadline passes or the connection is lost. */
  readonly signal: AbortSignal;
  /**
   * Resolves with the reason when the call is cancelled, its deadline passes
   * or the connection is lost; never resolves for a call that completes. A
   * lighter alternative to `signal` for handlers that only wait for it
   * (an AbortSignal with a listener costs a couple of KB per call).
   */
  readonly cancelled: Promise<GrpcError>;
  /** Headers sent before the first response message (or in Trailers-Only). */
  readonly responseHeader: Metadata;
  /** Trailers sent with the status. */
  readonly responseTrailer: Metadata;
  /** The client's address, e.g. "127.0.0.1:53412". */
  readonly peer: string;
  /** Milliseconds until the deadline, or undefined without one. */
  timeRemaining(): number | undefined;
  /** Sends the response headers now (they go with the first message otherwise). */
  sendHeader(): void;
  /**
   * Compresses responses with `name` ("identity" for none) if the client
   * accepts it; call before the headers are sent.
   */
  setCompression(name: string): void;
  /** Whether the last request message received arrived compressed. */
  readonly requestCompressed: boolean;
  /** Whether the next response messages are compressed (when an encoding is set). Default true. */
  compressMessages: boolean;
}
