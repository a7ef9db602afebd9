/**
 * The typed client of a service: one method per RPC, shaped by its kind.
 *
 * @module
 */

import type {
  DescMessage,
  DescService,
  MessageInitShape,
  MessageShape,
} from "../protobuf.ts";
import type { CallOptions } from "./call_options.ts";

/** A client method for a unary RPC. */
export type UnaryMethod<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;
/** A client method for a server-streaming RPC. */
export type ServerStreamingMethod<
  I extends DescMessage,
  O extends DescMessage,
> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<O>>;
/** A client method for a client-streaming RPC. */
export type ClientStreamingMethod<
  I extends DescMessage,
  O extends DescMessage,
> = (
  requests: AsyncIterable<MessageInitShape<I>> | Iterable<MessageInitShape<I>>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;
/** A client method for a bidi-streaming RPC. */
export type BidiStreamingMethod<I extends DescMessage, O extends DescMessage> =
  (
    requests:
      | AsyncIterable<MessageInitShape<I>>
      | Iterable<MessageInitShape<I>>,
    options?: CallOptions,
  ) => AsyncIterable<MessageShape<O>>;

/** The client of service `S`: one method per RPC, named by its `localName`. */
export type Client<S extends DescService> = {
  [K in keyof S["method"]]: S["method"][K] extends {
    methodKind: "unary";
    input: infer I extends DescMessage;
    output: infer O extends DescMessage;
  } ? UnaryMethod<I, O>
    : S["method"][K] extends {
      methodKind: "server_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? ServerStreamingMethod<I, O>
    : S["method"][K] extends {
      methodKind: "client_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? ClientStreamingMethod<I, O>
    : S["method"][K] extends {
      methodKind: "bidi_streaming";
      input: infer I extends DescMessage;
      output: infer O extends DescMessage;
    } ? BidiStreamingMethod<I, O>
    : never;
};
