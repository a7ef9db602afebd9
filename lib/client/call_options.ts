/**
 * Per-call options of generated client methods.
 *
 * @module
 */

import type { Metadata, MetadataInit } from "../grpc/metadata.ts";

/** Options of one call. Every field is optional. */
export interface CallOptions {
  /** Time the call may take, in ms (sent as `grpc-timeout`). Default: none. */
  timeoutMs?: number;
  /** Absolute deadline (a `Date` or epoch ms); the earlier of this and `timeoutMs` wins. */
  deadline?: Date | number;
  /** Aborting it cancels the call with CANCELLED (or DEADLINE_EXCEEDED for a `TimeoutError` reason). */
  signal?: AbortSignal;
  /** Request metadata. */
  metadata?: MetadataInit;
  /** Called with the response headers when they arrive. */
  onHeader?: (header: Metadata) => void;
  /** Called with the response trailers when they arrive (on errors too). */
  onTrailer?: (trailer: Metadata) => void;
  /** Compress request messages with this algorithm (default: the client's, else none). */
  compression?: string;
  /**
   * For streaming requests of a compressed call: whether to compress each
   * message (`index` counts from 0). Default: all compressed.
   */
  compressMessage?: (message: unknown, index: number) => boolean;
  /**
   * Wait for a READY connection instead of failing fast with UNAVAILABLE
   * while the channel is in TRANSIENT_FAILURE (the call still ends at its
   * deadline). Default: the service config's `waitForReady` for the method,
   * else false.
   */
  waitForReady?: boolean;
}
