/**
 * The functions of a typed client, one per RPC kind, over a shared invoke chain.
 *
 * @module
 */

import {
  create,
  type DescMessage,
  type DescMethod,
  type Message,
  type MessageInitShape,
} from "../protobuf.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import type { CallOptions } from "./call_options.ts";
import type {
  AnyRequest,
  AnyResponse,
  StreamRequest,
  StreamResponse,
  UnaryRequest,
  UnaryResponse,
} from "./interceptor.ts";
import { LazyStream, toMessages } from "./message_streams.ts";
import {
  type CallRequest,
  makeRequest,
  type RequestDefaults,
} from "./call_request.ts";

/** What the methods of one client share. */
export interface MethodHost extends RequestDefaults {
  /** The interceptor chain ending in the terminal call. */
  readonly invoke: (req: AnyRequest) => Promise<AnyResponse>;
  /** Without interceptors: a unary call straight to its message. */
  readonly unaryMessage: ((req: UnaryRequest) => Promise<Message>) | undefined;
  /** Whether interceptors see the calls. */
  readonly intercepted: boolean;
}

/**
 * The client function of one RPC, by its kind.
 *
 * @example
 * ```ts ignore
 * client[method.localName] = makeMethod(method, shared);
 * ```
 *
 * @param method the RPC
 * @param shared what the client's methods share
 * @returns the function
 */
export function makeMethod(method: DescMethod, shared: MethodHost): unknown {
  switch (method.methodKind) {
    case "unary":
      return (
        init: MessageInitShape<DescMessage>,
        options?: CallOptions,
      ): Promise<Message> => {
        let req: CallRequest;
        try {
          req = makeRequest(method, shared, options, false);
          if (!shared.intercepted) req.init = init;
          else req.message = create(method.input, init);
        } catch (error) {
          return Promise.reject(error);
        }
        const unary = req as unknown as UnaryRequest;
        if (shared.unaryMessage) return shared.unaryMessage(unary);
        return shared.invoke(unary).then((res) =>
          (res as UnaryResponse).message
        );
      };
    case "server_streaming":
      return (init: MessageInitShape<DescMessage>, options?: CallOptions) =>
        streamResults(
          method,
          shared,
          options,
          requests(method, shared, options, [init]),
        );
    case "client_streaming":
      return async (
        inits: AsyncIterable<MessageInitShape<DescMessage>>,
        options?: CallOptions,
      ) => {
        let result: Message | undefined;
        let count = 0;
        for await (
          const message of streamResults(
            method,
            shared,
            options,
            requests(method, shared, options, inits),
          )
        ) {
          result = message;
          count++;
        }
        if (count !== 1) {
          throw new GrpcError(
            Code.INTERNAL,
            `expected one response message, got ${count}`,
          );
        }
        return result;
      };
    case "bidi_streaming":
      return (
        inits: AsyncIterable<MessageInitShape<DescMessage>>,
        options?: CallOptions,
      ) =>
        streamResults(
          method,
          shared,
          options,
          requests(method, shared, options, inits),
        );
  }
}

/**
 * A call's request messages. Without interceptors or a `compressMessage`
 * callback nobody looks at them as messages: the initializers go to the
 * encoder as they are (no `create()` per message).
 */
function requests(
  method: DescMethod,
  shared: MethodHost,
  options: CallOptions | undefined,
  inits:
    | AsyncIterable<MessageInitShape<DescMessage>>
    | Iterable<MessageInitShape<DescMessage>>,
): AsyncIterable<Message> {
  const seen = shared.intercepted || options?.compressMessage !== undefined;
  return toMessages(method.input, inits, seen);
}

function streamResults(
  method: DescMethod,
  shared: MethodHost,
  options: CallOptions | undefined,
  messages: AsyncIterable<Message>,
): AsyncIterableIterator<Message> {
  return new LazyStream(async () => {
    const req = makeRequest(method, shared, options, true);
    req.messages = messages;
    const res = await shared.invoke(
      req as unknown as StreamRequest,
    ) as StreamResponse;
    return res.messages;
  });
}
