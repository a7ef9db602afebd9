/**
 * Server interceptors: `(next) => (request) => response` around handlers,
 * for logging, auth and tracing. Throwing a `GrpcError` ends the call with
 * that status.
 *
 * @module
 */

import type { DescMessage, Message, MessageInitShape } from "../protobuf.ts";
import type { ServerContext } from "./context.ts";

/** A request with one message (unary and server-streaming methods). */
export interface ServerUnaryRequest {
  /** Always false: one request message. */
  readonly stream: false;
  /** The call's context. */
  readonly context: ServerContext;
  /** The request message. */
  message: Message;
}

/** A request with a stream of messages (client-streaming and bidi methods). */
export interface ServerStreamRequest {
  /** Always true: a stream of request messages. */
  readonly stream: true;
  /** The call's context. */
  readonly context: ServerContext;
  /** The request messages. */
  messages: AsyncIterable<Message>;
}

/** A response of one message (unary and client-streaming methods). */
export interface ServerUnaryResponse {
  /** Always false: one response message. */
  readonly stream: false;
  /** The response message. */
  message: MessageInitShape<DescMessage>;
}

/** A response of a stream of messages (server-streaming and bidi methods). */
export interface ServerStreamResponse {
  /** Always true: a stream of response messages. */
  readonly stream: true;
  /** The response messages. */
  messages: AsyncIterable<MessageInitShape<DescMessage>>;
}

/** Any server request. */
export type ServerRequest = ServerUnaryRequest | ServerStreamRequest;
/** Any server response. */
export type ServerResponse = ServerUnaryResponse | ServerStreamResponse;

/**
 * Wraps handlers.
 *
 * @example Require a token
 * ```ts
 * import type { ServerInterceptor } from "./interceptor.ts";
 * import { Code, GrpcError } from "../../mod.ts";
 * const auth: ServerInterceptor = (next) => (req) => {
 *   if (req.context.metadata.get("authorization") !== "Bearer t") {
 *     throw new GrpcError(Code.UNAUTHENTICATED, "no token");
 *   }
 *   return next(req);
 * };
 * ```
 */
export type ServerInterceptor = (
  next: (request: ServerRequest) => Promise<ServerResponse>,
) => (request: ServerRequest) => Promise<ServerResponse>;
