/**
 * The request object of a call, as interceptors and the terminal call see it.
 *
 * @module
 */

import type {
  DescMessage,
  DescMethod,
  Message,
  MessageInitShape,
} from "../protobuf.ts";
import type { Channel } from "../channel/channel.ts";
import { Metadata } from "../grpc/metadata.ts";
import type { CallOptions } from "./call_options.ts";
import type { ClientOptions } from "./client_options.ts";

/** What a request takes from its client. */
export interface RequestDefaults {
  /** The client's options (default timeout). */
  readonly options: ClientOptions;
  /** The channel (service config per method). */
  readonly channel: Channel;
}

/** Per-call settings that ride on the request object past interceptors. */
export interface RequestExtras {
  /**
   * A unary call's request as the caller gave it, when no interceptor is
   * there to see `message`: encoded without creating the message.
   */
  init?: MessageInitShape<DescMessage>;
  compression?: string;
  waitForReady?: boolean;
  compressMessage?: (message: Message, index: number) => boolean;
  onHeader?: (header: Metadata) => void;
  onTrailer?: (trailer: Metadata) => void;
}

/**
 * A request as the terminal call and interceptors see it. Metadata is built
 * only if someone asks for it (most calls carry none).
 */
export class CallRequest implements RequestExtras {
  readonly stream: boolean;
  readonly method: DescMethod;
  readonly path: string;
  readonly signal: AbortSignal | undefined;
  deadline: number | undefined;
  readonly compression: string | undefined;
  readonly waitForReady: boolean | undefined;
  readonly onHeader: ((header: Metadata) => void) | undefined;
  readonly onTrailer: ((trailer: Metadata) => void) | undefined;
  readonly compressMessage:
    | ((message: Message, index: number) => boolean)
    | undefined;
  message: Message | undefined;
  init: MessageInitShape<DescMessage> | undefined;
  messages: AsyncIterable<Message> | undefined;
  #metadata: Metadata | undefined;
  readonly #init: CallOptions["metadata"];

  constructor(
    method: DescMethod,
    path: string,
    options: CallOptions | undefined,
    deadline: number | undefined,
    stream: boolean,
  ) {
    this.stream = stream;
    this.method = method;
    this.path = path;
    this.signal = options?.signal;
    this.deadline = deadline;
    this.compression = options?.compression;
    this.waitForReady = options?.waitForReady;
    this.onHeader = options?.onHeader;
    this.onTrailer = options?.onTrailer;
    this.compressMessage = options?.compressMessage as
      | ((message: Message, index: number) => boolean)
      | undefined;
    this.#init = options?.metadata;
  }

  get metadata(): Metadata {
    return this.#metadata ??= new Metadata(this.#init);
  }

  /** Whether there is metadata to send, without building it. */
  get hasMetadata(): boolean {
    return this.#metadata ? this.#metadata.size > 0 : this.#init !== undefined;
  }
}

const PATHS = new WeakMap<DescMethod, string>();

/**
 * Makes the request object of one call: its path, deadline (the earliest of
 * the call's timeout or deadline, the client's default timeout and the
 * service config's), and options.
 *
 * @example
 * ```ts ignore
 * const req = makeRequest(method, shared, options, false);
 * ```
 *
 * @param method the RPC
 * @param shared the client's options and channel
 * @param options the call's options
 * @param stream whether it is a streaming call
 * @returns the request
 */
export function makeRequest(
  method: DescMethod,
  shared: RequestDefaults,
  options: CallOptions | undefined,
  stream: boolean,
): CallRequest {
  let path = PATHS.get(method);
  if (path === undefined) {
    path = `/${method.parent.typeName}/${method.name}`;
    PATHS.set(method, path);
  }
  const timeoutMs = options?.timeoutMs ?? shared.options.timeoutMs;
  // The service config's timeout bounds the call's (service_config.md).
  const configured = shared.channel.methodConfig?.(path)?.timeoutMs;
  const bound = timeoutMs === undefined
    ? configured
    : configured === undefined
    ? timeoutMs
    : Math.min(timeoutMs, configured);
  let deadline = bound !== undefined ? Date.now() + bound : undefined;
  if (options?.deadline !== undefined) {
    const d = typeof options.deadline === "number"
      ? options.deadline
      : options.deadline.getTime();
    deadline = deadline === undefined ? d : Math.min(d, deadline);
  }
  return new CallRequest(method, path, options, deadline, stream);
}
