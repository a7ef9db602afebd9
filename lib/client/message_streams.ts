/**
 * The async iterators of streaming calls, written as plain iterator objects
 * rather than async generators: a generator layer costs a few promise turns
 * and allocations per message, and a bidi ping-pong goes through three of
 * them each way. Each iterator here adds at most one `then` per message.
 *
 * @module
 */

import {
  create,
  type DescMessage,
  type Message,
  type MessageInitShape,
} from "../protobuf.ts";
import { decodeMessage } from "../codec/binary_decoder.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** What {@linkcode ResponseMessages} needs from its call. */
export interface ResponseSource {
  /** Serialized response messages, ending (or failing) with the call. */
  readonly messages: AsyncIterator<Uint8Array>;
  /** Cancels the call (idempotent: the first reason wins). */
  cancel(reason: GrpcError): void;
  /**
   * Runs once when iteration ends, however it ends (the trailers are then
   * known); iteration reports its end only after this settles.
   */
  finish(): Promise<void>;
}

/**
 * Decodes response messages as the caller pulls them. A decoding failure or a
 * failed call cancels the call and is thrown as a {@linkcode GrpcError};
 * leaving the loop early (`return()`) cancels the call with `CANCELLED`.
 *
 * @example Iterate a streaming response
 * ```ts ignore
 * const messages = new ResponseMessages(schema, {
 *   messages: call.messages[Symbol.asyncIterator](),
 *   cancel: (e) => call.cancel(e),
 *   finish: () => call.outcome.promise.then(() => {}),
 * });
 * for await (const message of messages) console.log(message);
 * ```
 */
export class ResponseMessages implements AsyncIterableIterator<Message> {
  readonly #schema: DescMessage;
  readonly #source: ResponseSource;
  #finished: Promise<void> | undefined;

  /**
   * @param schema the response message type
   * @param source the call's messages and controls
   */
  constructor(schema: DescMessage, source: ResponseSource) {
    this.#schema = schema;
    this.#source = source;
  }

  /** @returns the next decoded message, or done once the call ended */
  next(): Promise<IteratorResult<Message>> {
    if (this.#finished) return this.#finished.then(() => DONE);
    return this.#source.messages.next().then(this.#onItem, this.#onError);
  }

  /**
   * Stops early: cancels the call if it is still running.
   *
   * @returns done, once the call's end is known
   */
  return(): Promise<IteratorResult<Message>> {
    if (!this.#finished) {
      this.#source.cancel(
        new GrpcError(Code.CANCELLED, "response stream abandoned"),
      );
    }
    return this.#finish().then(() => DONE);
  }

  /** @returns this iterator */
  [Symbol.asyncIterator](): this {
    return this;
  }

  #finish(): Promise<void> {
    return this.#finished ??= this.#source.finish();
  }

  #onItem = (
    result: IteratorResult<Uint8Array>,
  ): IteratorResult<Message> | Promise<IteratorResult<Message>> => {
    if (result.done) return this.#finish().then(() => DONE);
    let message: Message;
    try {
      message = decodeMessage(this.#schema, result.value);
    } catch (error) {
      return this.#onError(
        new GrpcError(Code.INTERNAL, "cannot decode response message", {
          cause: error,
        }),
      );
    }
    return { done: false, value: message };
  };

  #onError = (error: unknown): Promise<never> => {
    const e = GrpcError.from(error, Code.INTERNAL);
    this.#source.cancel(e);
    return this.#finish().then(() => {
      throw e;
    });
  };
}

/**
 * An async iterable whose iterator comes from a promise made on the first
 * `next()` (a streaming call starts when its caller starts iterating), then
 * forwards every call to that iterator without a layer of its own.
 *
 * @example A call started on the first pull
 * ```ts ignore
 * const stream = new LazyStream(async () => (await invoke(req)).messages);
 * for await (const message of stream) console.log(message);
 * ```
 */
export class LazyStream<T> implements AsyncIterableIterator<T> {
  #open: (() => Promise<AsyncIterable<T>>) | undefined;
  #opening: Promise<AsyncIterator<T>> | undefined;
  #inner: AsyncIterator<T> | undefined;
  #closed = false;

  /** @param open makes the iterable, once */
  constructor(open: () => Promise<AsyncIterable<T>>) {
    this.#open = open;
  }

  /** @returns the inner iterator's next result */
  next(): Promise<IteratorResult<T>> {
    if (this.#inner) return this.#inner.next();
    if (this.#closed) return Promise.resolve(DONE);
    return this.#start().then((inner) => inner.next());
  }

  /**
   * Ends iteration; forwarded once the inner iterator exists.
   *
   * @returns done
   */
  return(): Promise<IteratorResult<T>> {
    this.#closed = true;
    const inner = this.#inner;
    if (inner?.return) return inner.return();
    if (this.#opening) {
      return this.#opening.then((i) => i.return?.() ?? DONE, () => DONE);
    }
    this.#open = undefined;
    return Promise.resolve(DONE);
  }

  /** @returns this iterator */
  [Symbol.asyncIterator](): this {
    return this;
  }

  #start(): Promise<AsyncIterator<T>> {
    if (!this.#opening) {
      const open = this.#open!;
      this.#open = undefined;
      this.#opening = open().then((iterable) => {
        this.#inner = iterable[Symbol.asyncIterator]();
        return this.#inner;
      });
    }
    return this.#opening;
  }
}

/**
 * Maps message initializers to messages as they are pulled (`create()` keeps
 * a message of the right type as it is).
 *
 * @example Requests from plain objects
 * ```ts ignore
 * const requests = toMessages(HelloRequestSchema, [{ name: "a" }, { name: "b" }]);
 * ```
 *
 * @param schema the request message type
 * @param inits an async or sync iterable of initializers
 * @param convert false passes the initializers through as they are, for a
 * caller that encodes them itself (`encodeInitParts`) and shows them to
 * nobody as messages
 * @returns an async iterable of messages
 */
export function toMessages(
  schema: DescMessage,
  inits:
    | AsyncIterable<MessageInitShape<DescMessage>>
    | Iterable<MessageInitShape<DescMessage>>,
  convert = true,
): AsyncIterable<Message> {
  if (!convert && Symbol.asyncIterator in inits) {
    // Nothing to map: one promise layer less per message.
    return inits as AsyncIterable<Message>;
  }
  const toMessage = (init: MessageInitShape<DescMessage>): Message =>
    convert ? create(schema, init) : init as Message;
  const make = (
    r: IteratorResult<MessageInitShape<DescMessage>>,
  ): IteratorResult<Message> =>
    r.done ? DONE : { done: false, value: toMessage(r.value) };
  return {
    [Symbol.asyncIterator](): AsyncIterator<Message> {
      if (Symbol.asyncIterator in inits) {
        const it = inits[Symbol.asyncIterator]();
        return {
          next: () => it.next().then(make),
          return: () =>
            it.return ? it.return().then(() => DONE) : Promise.resolve(DONE),
        };
      }
      const it = inits[Symbol.iterator]();
      return {
        next: () => {
          const r = it.next();
          if (r.done) return Promise.resolve(DONE);
          return Promise.resolve(r.value).then((value) => ({
            done: false,
            value: toMessage(value),
          }));
        },
        return: () => {
          it.return?.();
          return Promise.resolve(DONE);
        },
      };
    },
  };
}
