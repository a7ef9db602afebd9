/**
 * A subchannel: one logical connection to one address, owned by a balancer
 * (grpc-go's `SubConn`). It makes at most one HTTP/2 connection at a time,
 * reports its connectivity state to listeners, and offers its connection as
 * a call transport while READY.
 *
 * States: IDLE → (connect()) → CONNECTING → READY, or TRANSIENT_FAILURE when
 * the attempt fails or times out; TRANSIENT_FAILURE → IDLE once the backoff
 * delay (connection-backoff.md) has passed; READY → IDLE when the connection
 * closes or the server sends GOAWAY (its calls drain on the old connection,
 * new calls need a new one); any → SHUTDOWN. The backoff resets when the
 * server's SETTINGS arrive.
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
import {
  connectHttp2,
  type ConnectTarget,
  type TlsConnectOptions,
} from "../http2/connect.ts";
import { Code } from "../grpc/status.ts";
import { GrpcError } from "../grpc/grpc_error.ts";
import { ErrorCode, type GoawayFrame } from "../http2/frame/types.ts";
import { startKeepalive } from "../http2/keepalive.ts";
import { type Clock, SYSTEM_CLOCK, type TimerHandle } from "../util/clock.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { ConnectivityState } from "./connectivity.ts";
import { type Address, formatAddress } from "./target.ts";
import type { CallTransport } from "./transport.ts";
import { type ChannelKeepalive, TOO_MANY_PINGS } from "./channel_keepalive.ts";

/** Options of a {@linkcode Http2Subchannel}. */
export interface SubchannelOptions {
  /** Where to connect. */
  address: Address;
  /** TLS settings (TCP addresses only); undefined: plaintext. */
  tls?: TlsConnectOptions;
  /** HTTP/2 limits and windows of the connection. */
  http2?: Omit<Http2ConnectionOptions, "role" | "onStream" | "onGoaway">;
  /** Reconnect backoff and the minimum connect timeout. */
  backoff?: BackoffOptions;
  /** Time and timers (default: the system clock). */
  clock?: Clock;
  /** Random source for backoff jitter (default `Math.random`). */
  random?: () => number;
  /** Keepalive PINGs, shared with the channel's other subchannels; default off. */
  keepalive?: ChannelKeepalive;
}

/**
 * A subchannel as balancers see it: one logical connection to one address.
 *
 * @example Connect when IDLE, watch the state
 * ```ts ignore
 * const sc = helper.createSubchannel(address);
 * sc.addListener((state) => { if (state === "IDLE") sc.connect(); });
 * sc.connect();
 * ```
 */
export interface Subchannel {
  /** The address it connects to. */
  readonly address: Address;
  /** Its connectivity state. */
  readonly state: ConnectivityState;
  /** Why the last attempt failed, while TRANSIENT_FAILURE. */
  readonly error: GrpcError | undefined;
  /** Starts connecting if IDLE (no effect in other states). */
  connect(): void;
  /**
   * Listens to state changes.
   *
   * @param listener called with each new state
   * @returns removes the listener
   */
  addListener(listener: SubchannelListener): () => void;
  /** Shuts down for good; calls in flight finish on their connection. */
  shutdown(): void;
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
 * const sc = new Http2Subchannel({ address: { kind: "tcp", hostname: "127.0.0.1", port: 50051 } });
 * sc.addListener((state) => console.log(state));
 * sc.connect();
 * ```
 */
export class Http2Subchannel implements Subchannel {
  readonly #options: SubchannelOptions;
  readonly #target: ConnectTarget;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  #backoffTimer: TimerHandle | undefined;
  #state: ConnectivityState = ConnectivityState.IDLE;
  #conn: Http2Connection | undefined;
  #error: GrpcError | undefined;
  /** Connections still draining after GOAWAY or shutdown. */
  readonly #draining = new Set<Http2Connection>();
  readonly #listeners = new Set<SubchannelListener>();
  /** Cancels the attempt under way, if any. */
  #cancelAttempt: ((error: GrpcError) => void) | undefined;

  /** @param options address, TLS, HTTP/2, backoff, clock */
  constructor(options: SubchannelOptions) {
    this.#options = options;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#backoff = new Backoff(options.backoff, options.random);
    const a = options.address;
    this.#target = a.kind === "unix"
      ? { transport: "unix", path: a.path }
      : options.tls
      ? { transport: "tls", hostname: a.hostname, port: a.port, ...options.tls }
      : { transport: "tcp", hostname: a.hostname, port: a.port };
  }

  /** The address it connects to. */
  get address(): Address {
    return this.#options.address;
  }

  /** The current connectivity state. */
  get state(): ConnectivityState {
    return this.#state;
  }

  /** Why the last attempt failed (TRANSIENT_FAILURE), if it did. */
  get error(): GrpcError | undefined {
    return this.#error;
  }

  /**
   * The connection while READY (how a picked call reaches it: see
   * `transportOf`; not part of the public {@linkcode Subchannel}).
   */
  get transport(): CallTransport | undefined {
    return this.#state === ConnectivityState.READY ? this.#conn : undefined;
  }

  /** Streams open on its connections (the current one and draining ones). */
  get activeStreams(): number {
    let n = this.#conn?.activeStreams ?? 0;
    for (const c of this.#draining) n += c.activeStreams;
    return n;
  }

  /** A printable form of the address. */
  get addressText(): string {
    const a = this.#options.address;
    if (a.kind === "unix") return `unix:${a.path}`;
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

  /**
   * Starts connecting if IDLE; else does nothing (in TRANSIENT_FAILURE the
   * backoff timer brings it back to IDLE).
   */
  connect(): void {
    if (this.#state !== ConnectivityState.IDLE) return;
    this.#setState(ConnectivityState.CONNECTING, undefined);
    void this.#attempt();
  }

  /**
   * Shuts down for good: an attempt under way is abandoned, the connection
   * closes gracefully (calls in flight finish). See
   * {@linkcode Http2Subchannel.close} to wait for it.
   */
  shutdown(): void {
    void this.close();
  }

  /**
   * {@linkcode Http2Subchannel.shutdown}, resolving once every connection
   * closed.
   */
  async close(): Promise<void> {
    if (this.#state !== ConnectivityState.SHUTDOWN) {
      this.#clock.clearTimeout(this.#backoffTimer);
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

  async #attempt(): Promise<void> {
    const http2 = this.#options.http2;
    const connectTimeoutMs = this.#backoff.connectTimeout();
    const cancel = Promise.withResolvers<never>();
    // Closes a TCP connect or TLS handshake the peer never finishes.
    const abandon = new AbortController();
    let cancelled = false;
    this.#cancelAttempt = (error) => {
      cancelled = true;
      abandon.abort(error);
      cancel.reject(error);
    };
    const timer = this.#clock.setTimeout(
      () =>
        this.#cancelAttempt?.(
          new GrpcError(
            Code.UNAVAILABLE,
            `connect to ${
              formatAddress(this.#options.address)
            } timed out after ${connectTimeoutMs} ms`,
          ),
        ),
      connectTimeoutMs,
    );
    let conn: Http2Connection | undefined;
    // The channel's keepalive time when the connection is made (it doubles
    // on too_many_pings, for new connections).
    const keepalive = this.#options.keepalive?.settings();
    const pending = connectHttp2(this.#target, {
      ...http2,
      onGoaway: (frame) => this.#onGoaway(conn, frame, keepalive?.timeMs),
    }, abandon.signal);
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
        this.#backoffTimer = this.#clock.setTimeout(() => {
          this.#backoffTimer = undefined;
          if (this.#state === ConnectivityState.TRANSIENT_FAILURE) {
            this.#setState(ConnectivityState.IDLE, undefined);
          }
        }, this.#backoff.next());
        this.#setState(
          ConnectivityState.TRANSIENT_FAILURE,
          error instanceof GrpcError ? error : new GrpcError(
            Code.UNAVAILABLE,
            `failed to connect to ${formatAddress(this.#options.address)}: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { cause: error },
          ),
        );
      }
      return;
    } finally {
      this.#clock.clearTimeout(timer);
      this.#cancelAttempt = undefined;
    }
    const ready = conn;
    this.#conn = ready;
    this.#backoff.reset();
    ready.closed.then(() => this.#onLost(ready));
    // Stopped when the connection closes: calls draining after a GOAWAY
    // keep it going.
    if (keepalive !== undefined) startKeepalive(ready, keepalive, this.#clock);
    this.#setState(ConnectivityState.READY, undefined);
  }

  /** GOAWAY: in-flight calls drain on `conn`, new calls need a new one. */
  #onGoaway(
    conn: Http2Connection | undefined,
    frame: GoawayFrame,
    keepaliveTimeMs: number | undefined,
  ): void {
    if (
      keepaliveTimeMs !== undefined &&
      frame.errorCode === ErrorCode.ENHANCE_YOUR_CALM &&
      new TextDecoder().decode(frame.debugData) === TOO_MANY_PINGS
    ) {
      // gRFC A8: the server finds our PINGs too frequent.
      this.#options.keepalive?.tooManyPings(keepaliveTimeMs);
    }
    if (conn !== undefined) this.#onLost(conn);
  }

  #onLost(conn: Http2Connection): void {
    if (this.#conn !== conn) {
      this.#draining.delete(conn);
      return;
    }
    this.#conn = undefined;
    // Dropped from `#draining` when it closes: its `closed` calls back here.
    this.#draining.add(conn);
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
