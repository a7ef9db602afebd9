/**
 * Options of `createClient()` and the library's `user-agent`.
 *
 * @module
 */

import type { CompressionRegistry } from "../grpc/compression.ts";
import type { Interceptor } from "./interceptor.ts";

/** The library's `user-agent`. */
export const USER_AGENT = "grpc-deno/0.1.0";

/** Options of `createClient()`. */
export interface ClientOptions {
  /** Interceptors, outermost first. Default none. */
  interceptors?: Interceptor[];
  /** Largest response message accepted. Default 4 MiB. */
  maxReceiveMessageSize?: number;
  /** Largest request message sent. Default 2^31−1. */
  maxSendMessageSize?: number;
  /** Algorithms offered in `grpc-accept-encoding`. Default gzip, deflate. */
  compressions?: CompressionRegistry;
  /** Compress every request with this algorithm. Default none. */
  sendCompression?: string;
  /** Default timeout for calls, in ms. Default none. */
  timeoutMs?: number;
}
