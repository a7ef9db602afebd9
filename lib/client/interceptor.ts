/**
 * Client interceptors: `(next) => (request) => response`, one type for all
 * call kinds, told apart by `request.stream`.
 *
 * @module
 */

import type { DescMethod, Message } from "../protobuf.ts";
import type { Metadata } from "../grpc/metadata.ts";

/** Fields every request has. */
export interface RequestCommon {
  /** The method being called. */
  readonly method: DescMethod;
  /** `/package.Service/Method`. */
  readonly path: string;
  /** Request metadata; interceptors may add to it. */
  readonly metadata: Metadata;
  /** Aborts the call, if the caller gave one. */
  readonly signal: AbortSignal | undefined;
  /** Absolute deadline in epoch ms, if any. */
  deadline: number | undefined;
}

/** A unary request: one message. */
export interface UnaryRequest extends RequestCommon {
  /** Always false: one request message. */
  readonly stream: false;
  /** The request message. */
  message: Message;
}

/** A unary response. */
export interface UnaryResponse {
  /** Always false: one response message. */
  readonly stream: false;
  /** Response headers. */
  readonly header: Metadata;
  /** The response message. */
  message: Message;
  /** Response trailers. */
  readonly trailer: Metadata;
}

/** A streaming request (client, server or bidi streaming). */
export interface StreamRequest extends RequestCommon {
  /** Always true: a stream of request messages. */
  readonly stream: true;
  /** The request messages (exactly one for server streaming). */
  messages: AsyncIterable<Message>;
}

/** A streaming response; `trailer` is filled when `messages` ends. */
export interface StreamResponse {
  /** Always true: a stream of response messages. */
  readonly stream: true;
  /** Response headers (the promise of the call resolves once they arrive). */
  readonly header: Metadata;
  /** The response messages; the iteration throws the call's `GrpcError`. */
  messages: AsyncIterable<Message>;
  /** Response trailers, complete once `messages` is exhausted. */
  readonly trailer: Metadata;
}

/** Any request. */
export type AnyRequest = UnaryRequest | StreamRequest;
/** Any response. */
export type AnyResponse = UnaryResponse | StreamResponse;

/**
 * Wraps calls: logging, auth, tracing, retries.
 *
 * @example Add a header to every call
 * ```ts
 * import type { Interceptor } from "./interceptor.ts";
 * const auth: Interceptor = (next) => (req) => {
 *   req.metadata.set("authorization", "Bearer t");
 *   return next(req);
 * };
 * ```
 */
export type Interceptor = (
  next: (request: AnyRequest) => Promise<AnyResponse>,
) => (request: AnyRequest) => Promise<AnyResponse>;
