/**
 * A subchannel: one logical connection to one address, owned by a balancer
 * (grpc-go's `SubConn`). It makes at most one HTTP/2 connection at a time,
 * reports its connectivity state to listeners, and offers its connection as
 * a call transport while READY.
 *
 * States: IDLE → (connect()) → CONNECTING → READY, or TRANSIENT_FAILURE when
 * the attempt fails or times out; READY → IDLE when the connection closes or
 * the server sends GOAWAY (its calls drain on the old connection, new calls
 * need a new one); any → SHUTDOWN.
 *
 * The connect timeout covers the whole handshake: TCP, TLS and the server's
 * first SETTINGS, so a peer that accepts TCP and never speaks HTTP/2 cannot
 * hold a subchannel in CONNECTING.
 *
 * @module
 */

import type {
  Http2Connection,
  Http2ConnectionOptions,
} from "../http2/connection.ts";
import { connectHttp2, type ConnectTarget } from "../http2/connect.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { ConnectivityState } from "./connectivity.ts";
import type { PickedSubchannel } from "./picker.ts";
import type { CallTransport } from "./transport.ts";

/** Options of a {@linkcode Subchannel}. */
export interface SubchannelOptions {
  /** Where to connect, and how (TCP, TLS, unix). */
  address: ConnectTarget;
  /** HTTP/2 limits and windows of the connection. */
  http2?: Omit<Http2ConnectionOptions, "role" | "onStream" | "onGoaway">;
  /** Longest a connection attempt may take, SETTINGS included (ms). */
  connectTimeoutMs: number;
}

/** Called with a subchannel's new state (and the error of a failure). */
export type SubchannelListener = (
  state: ConnectivityState,
  error: GrpcError | undefined,
) => void;

/**
 * One address's connection, with its connectivity state.
 *
 * @example Connect and wait for READY
 * ```ts ignore
 * const sc = new Subchannel({ address: { hostname: "127.0.0.1", port: 50051 }, connectTimeoutMs: 20_000 });
 * sc.addListener((state) => console.log(state));
 * sc.connect();
 * ```
 */
export class Subchannel implements PickedSubchannel {
  readonly #options: SubchannelOptions;
  #state: ConnectivityState = ConnectivityState.IDLE;
  #conn: Http2Connection | undefined;
  #error: GrpcError | undefined;
  /** Connections still draining after GOAWAY or shutdown. */
  readonly #draining = new Set<Http2Connection>();
  readonly #listeners = new Set<SubchannelListener>();
  /** Cancels the attempt under way, if any. */
  #cancelAttempt: ((error: GrpcError) => void) | undefined;

  /** @param options address, HTTP/2 options and connect timeout */
  constructor(options: SubchannelOptions) {
    this.#options = options;
  }

  /** The current connectivity state. */
  get state(): ConnectivityState {
    return this.#state;
  }

  /** Why the last attempt failed (TRANSIENT_FAILURE), if it did. */
  get error(): GrpcError | undefined {
    return this.#error;
  }

  /** The connection while READY and able to take streams. */
  get transport(): CallTransport | undefined {
    return this.#state === ConnectivityState.READY ? this.#conn : undefined;
  }

  /** A printable form of the address. */
  get addressText(): string {
    const a = this.#options.address;
    if (a.transport === "unix") return `unix:${a.path}`;
    return a.hostname.includes(":")
      ? `[${a.hostname}]:${a.port}`
      : `${a.hostname}:${a.port}`;
  }

  /**
   * Listens to state changes.
   *
   * @param listener called on every change
   * @returns a function that removes the listener
   */
  addListener(listener: SubchannelListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts connecting if IDLE (or TRANSIENT_FAILURE); else does nothing. */
  connect(): void {
    if (
      this.#state !== ConnectivityState.IDLE &&
      this.#state !== ConnectivityState.TRANSIENT_FAILURE
    ) return;
    this.#setState(ConnectivityState.CONNECTING, undefined);
    void this.#attempt();
  }

  /**
   * Shuts down for good: an attempt under way is abandoned, the connection
   * closes gracefully (calls in flight finish).
   *
   * @returns resolves once every connection closed
   */
  async shutdown(): Promise<void> {
    if (this.#state !== ConnectivityState.SHUTDOWN) {
      this.#cancelAttempt?.(
        new GrpcError(Code.UNAVAILABLE, "subchannel shut down"),
      );
      const conn = this.#conn;
      this.#conn = undefined;
      if (conn) this.#draining.add(conn);
      this.#setState(ConnectivityState.SHUTDOWN, undefined);
    }
    await Promise.all([...this.#draining].map((c) => c.close()));
  }

  /** Closes every connection now, failing their calls. */
  destroy(): void {
    void this.shutdown();
    for (const c of this.#draining) c.destroy();
  }

  async #attempt(): Promise<void> {
    const { address, http2, connectTimeoutMs } = this.#options;
    const cancel = Promise.withResolvers<never>();
    let cancelled = false;
    this.#cancelAttempt = (error) => {
      cancelled = true;
      cancel.reject(error);
    };
    const timer = setTimeout(
      () =>
        this.#cancelAttempt?.(
          new GrpcError(
            Code.UNAVAILABLE,
            `connect to ${this.addressText} timed out after ${connectTimeoutMs} ms`,
          ),
        ),
      connectTimeoutMs,
    );
    let conn: Http2Connection | undefined;
    const pending = connectHttp2(address, {
      ...http2,
      onGoaway: () => this.#onGoaway(conn),
    });
    // A connection that arrives after the attempt was abandoned is closed.
    pending.then((c) => {
      if (cancelled) c.destroy();
    }, () => {});
    try {
      conn = await Promise.race([pending, cancel.promise]);
      await Promise.race([conn.ready, cancel.promise]);
    } catch (error) {
      if (conn && this.#conn !== conn) conn.destroy();
      cancelled = true;
      if (this.#state === ConnectivityState.CONNECTING) {
        this.#setState(
          ConnectivityState.TRANSIENT_FAILURE,
          error instanceof GrpcError ? error : new GrpcError(
            Code.UNAVAILABLE,
            `failed to connect to ${this.addressText}: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { cause: error },
          ),
        );
      }
      return;
    } finally {
      clearTimeout(timer);
      this.#cancelAttempt = undefined;
    }
    const ready = conn;
    this.#conn = ready;
    ready.closed.then(() => this.#onLost(ready));
    this.#setState(ConnectivityState.READY, undefined);
  }

  /** GOAWAY: in-flight calls drain on `conn`, new calls need a new one. */
  #onGoaway(conn: Http2Connection | undefined): void {
    if (conn !== undefined) this.#onLost(conn);
  }

  #onLost(conn: Http2Connection): void {
    if (this.#conn !== conn) {
      this.#draining.delete(conn);
      return;
    }
    this.#conn = undefined;
    this.#draining.add(conn);
    conn.closed.then(() => this.#draining.delete(conn));
    if (this.#state === ConnectivityState.READY) {
      this.#setState(ConnectivityState.IDLE, undefined);
    }
  }

  #setState(state: ConnectivityState, error: GrpcError | undefined): void {
    this.#state = state;
    this.#error = error;
    for (const listener of [...this.#listeners]) listener(state, error);
  }
}
