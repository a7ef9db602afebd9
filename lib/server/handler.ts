/**
 * Service implementations typed from protoc-gen-es descriptors.
 *
 * @module
 */

import type {
  DescMessage,
  DescService,
  MessageInitShape,
  MessageShape,
} from "../protobuf.ts";
import type { ServerContext } from "./context.ts";

/** Something a handler may return: a value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The implementation of service `S`: one handler per RPC, by `localName`.
 * Unary handlers return the response; server-streaming and bidi handlers
 * return (or are) async generators; client-streaming and bidi handlers
 * receive the requests as an async iterable.
 *
 * @example Greeter
 * ```ts ignore
 * const impl: ServiceImpl<typeof Greeter> = {
 *   sayHello: (req) => ({ message: `Hello ${req.name}` }),
 * };
 * ```
 */
export type ServiceImpl<S extends DescService> = {
  [K in keyof S["method"]]: S["method"][K] extends {
    methodKind: "unary";
    input: infer I extends DescMessage;
    output: infer O extends DescMessage;
  } ? (
      request: MessageShape<I>,
      context: ServerContext,
    ) => MaybePromise<MessageInitShape<O>>
    : S["method"][K] extends {
      methodKind: "server_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? (
        request: MessageShape<I>,
        context: ServerContext,
      ) => AsyncIterable<MessageInitShape<O>>
    : S["method"][K] extends {
      methodKind: "client_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? (
        requests: AsyncIterable<MessageShape<I>>,
        context: ServerContext,
      ) => MaybePromise<MessageInitShape<O>>
    : S["method"][K] extends {
      methodKind: "bidi_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? (
        requests: AsyncIterable<MessageShape<I>>,
        context: ServerContext,
      ) => AsyncIterable<MessageInitShape<O>>
    : never;
};
