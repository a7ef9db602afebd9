/**
 * A channel: a virtual connection to a target (gRPC's naming.md and
 * load-balancing.md). Calls never see connections: each call asks the
 * channel's current {@linkcode Picker} for a subchannel, synchronously, and
 * waits for the next picker when told to queue.
 *
 * This implementation keeps one subchannel to the target's first address;
 * resolver and balancer registries plug in behind the same interface.
 *
 * @module
 */

import type { Http2ConnectionOptions } from "../http2/connection.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { type Address, parseTarget, splitHostPort } from "./target.ts";
import { ConnectivityState } from "./connectivity.ts";
import {
  failPicker,
  PICK_QUEUE,
  type PickComplete,
  type Picker,
  QUEUE_PICKER,
} from "./picker.ts";
import { Http2Subchannel } from "./subchannel.ts";
import { PickerSlot } from "./picker_slot.ts";

/**
 * What a client needs from a channel: where calls go (`authority`,
 * `scheme`), the current picker, and a way to wait for the next one.
 *
 * @example Make a channel and a client
 * ```ts ignore
 * import { createChannel, createClient } from "../../mod.ts";
 * await using channel = createChannel("127.0.0.1:50051");
 * const client = createClient(Greeter, channel);
 * ```
 */
export interface Channel extends AsyncDisposable {
  /** The target the channel was made for. */
  readonly target: string;
  /** The `:authority` of calls. */
  readonly authority: string;
  /** The `:scheme` of calls: "http" or "https". */
  readonly scheme: "http" | "https";
  /**
   * The current picker. Picking is synchronous: a call on a READY channel
   * starts in the same turn.
   */
  readonly picker: Picker;
  /**
   * Waits for a picker other than `current` (at once if there already is
   * one): what a call does when its pick said "queue".
   *
   * @param current the picker the caller last used
   * @param signal abandons the wait (rejects with its reason)
   * @returns the new picker; rejects with UNAVAILABLE once the channel
   * is closed
   */
  nextPicker(current: Picker, signal?: AbortSignal): Promise<Picker>;
  /**
   * The channel's connectivity state.
   *
   * @param tryToConnect start connecting if IDLE
   * @returns the state
   */
  getState(tryToConnect?: boolean): ConnectivityState;
  /**
   * Resolves with the new state once it differs from `from`.
   *
   * @param from the state the caller knows
   * @param signal abandons the wait (rejects with its reason)
   * @returns the new state
   */
  waitForStateChange(
    from: ConnectivityState,
    signal?: AbortSignal,
  ): Promise<ConnectivityState>;
  /** Closes every connection gracefully (calls in flight finish). */
  close(): Promise<void>;
}

/** TLS settings of a channel. */
export interface ChannelTlsOptions {
  /** PEM CA certificates to trust besides the system roots. */
  caCerts?: string[];
  /** Name for SNI and certificate checks (default: the target's host). */
  serverName?: string;
}

/** HTTP/2 settings of a channel's connections (each has a safe default). */
export type ChannelHttp2Options = Omit<
  Http2ConnectionOptions,
  "role" | "onStream" | "onGoaway" | "onPing"
>;

/** Options of {@linkcode createChannel}. */
export interface ChannelOptions {
  /** Use TLS with ALPN h2 (default false: plaintext HTTP/2, "h2c"). */
  tls?: boolean | ChannelTlsOptions;
  /** Overrides the `:authority` (default: the target's host:port). */
  authority?: string;
  /** HTTP/2 limits and windows for the channel's connections. */
  http2?: ChannelHttp2Options;
  /** Connection attempt timeout in ms, SETTINGS included (default 20,000). */
  connectTimeoutMs?: number;
}

/**
 * Creates a channel to `target` (`host:port`, `dns:host:port`,
 * `ipv4:1.2.3.4:5`, `unix:/path`...). Connects lazily, on the first call.
 *
 * @example A channel for a client
 * ```ts
 * import { createChannel } from "./channel.ts";
 * await using channel = createChannel("127.0.0.1:50051");
 * console.log(channel.getState()); // "IDLE"
 * ```
 *
 * @param target where to connect
 * @param options TLS, authority and HTTP/2 options
 * @returns the channel
 */
export function createChannel(
  target: string,
  options: ChannelOptions = {},
): Channel {
  return new SingleAddressChannel(target, options);
}

class SingleAddressChannel implements Channel {
  readonly target: string;
  readonly authority: string;
  readonly scheme: "http" | "https";
  readonly #slot = new PickerSlot();
  readonly #subchannel: Http2Subchannel;
  #state: ConnectivityState = ConnectivityState.IDLE;
  readonly #stateWaiters = new Set<() => void>();
  /** Picks during IDLE start a connection and queue. */
  readonly #idlePicker: Picker = {
    pick: () => {
      this.#subchannel.connect();
      return PICK_QUEUE;
    },
  };

  constructor(target: string, options: ChannelOptions) {
    this.target = target;
    this.scheme = options.tls ? "https" : "http";
    const parsed = parseTarget(target);
    const defaultPort = options.tls ? 443 : 80;
    let address: Address;
    if (parsed.scheme === "unix") {
      address = { kind: "unix", path: parsed.endpoint };
      this.authority = options.authority ?? "localhost";
    } else {
      const first = parsed.endpoint.split(",")[0];
      const { hostname, port } = splitHostPort(first, defaultPort);
      address = { kind: "tcp", hostname, port };
      this.authority = options.authority ??
        (hostname.includes(":")
          ? `[${hostname}]:${port}`
          : `${hostname}:${port}`);
    }
    this.#subchannel = new Http2Subchannel({
      address,
      tls: options.tls
        ? (typeof options.tls === "object" ? options.tls : {})
        : undefined,
      http2: options.http2,
      backoff: { minConnectTimeoutMs: options.connectTimeoutMs ?? 20_000 },
    });
    this.#subchannel.addListener((state, error) => this.#update(state, error));
    this.#slot.publish(this.#idlePicker);
  }

  get picker(): Picker {
    return this.#slot.current;
  }

  nextPicker(current: Picker, signal?: AbortSignal): Promise<Picker> {
    return this.#slot.next(current, signal);
  }

  getState(tryToConnect = false): ConnectivityState {
    if (tryToConnect && this.#state === ConnectivityState.IDLE) {
      this.#subchannel.connect();
    }
    return this.#state;
  }

  waitForStateChange(
    from: ConnectivityState,
    signal?: AbortSignal,
  ): Promise<ConnectivityState> {
    if (this.#state !== from) return Promise.resolve(this.#state);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#stateWaiters.delete(done);
        reject(signal!.reason);
      };
      const done = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.#state);
      };
      this.#stateWaiters.add(done);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #update(state: ConnectivityState, error: GrpcError | undefined): void {
    switch (state) {
      case ConnectivityState.IDLE:
        this.#slot.publish(this.#idlePicker);
        break;
      case ConnectivityState.CONNECTING:
        this.#slot.publish(QUEUE_PICKER);
        break;
      case ConnectivityState.READY: {
        const result: PickComplete = Object.freeze({
          type: "complete",
          subchannel: this.#subchannel,
        });
        this.#slot.publish({ pick: () => result });
        break;
      }
      case ConnectivityState.TRANSIENT_FAILURE:
        // Calls waiting for this attempt fail with its error; the next call
        // tries again (reconnect backoff comes with the balancers).
        // Calls fail fast until the backoff brings the subchannel to IDLE.
        this.#slot.publish(failPicker(
          error ?? new GrpcError(Code.UNAVAILABLE, "connection failed"),
        ));
        break;
      case ConnectivityState.SHUTDOWN:
        break;
    }
    this.#setState(state);
  }

  #setState(state: ConnectivityState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const done of [...this.#stateWaiters]) done();
    this.#stateWaiters.clear();
  }

  async close(): Promise<void> {
    if (this.#state === ConnectivityState.SHUTDOWN) return;
    this.#slot.close(new GrpcError(Code.UNAVAILABLE, "channel closed"));
    this.#setState(ConnectivityState.SHUTDOWN);
    await this.#subchannel.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
