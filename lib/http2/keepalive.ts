/**
 * Keepalive PINGs (gRFC A8 for clients, A9 for servers): after `timeMs`
 * without reading a byte, send a PING; when nothing is read within
 * `timeoutMs` of it, the peer is presumed dead and the connection closes.
 * TCP alone takes up to ~10 minutes (retransmissions) or never (no writes)
 * to notice a hung peer, and L4 load balancers drop connections that look
 * idle (AWS ELB after 60 s, Google Cloud after 10 minutes): the PINGs both
 * detect the first and prevent the second.
 *
 * {@linkcode Keepalive} is the timer logic alone, on an injected clock, fed
 * by callbacks (grpc-go style: it never sees the transport), so it is
 * tested with a manual clock; {@linkcode startKeepalive} binds one to an
 * {@linkcode Http2Connection}. The read loop already stores the time of
 * each socket read: checking for idleness costs nothing per frame.
 *
 * @module
 */

import { type Clock, SYSTEM_CLOCK, type TimerHandle } from "../util/clock.ts";
import { ConnectionClosedError } from "./errors.ts";
import type { Http2Connection } from "./connection.ts";

/**
 * Longest delay a timer takes: `setTimeout` treats anything above 2^31−1 ms
 * (~24.8 days) as 1 ms, so a huge `timeMs` (say, doubled many times) would
 * turn into a PING flood.
 */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * Settings of one {@linkcode Keepalive}, already resolved.
 *
 * @example A client's: ping after 30 s of silence, only with calls open
 * ```ts
 * import type { KeepaliveSettings } from "./keepalive.ts";
 * const settings: KeepaliveSettings = {
 *   timeMs: 30_000,
 *   timeoutMs: 20_000,
 *   permitWithoutStreams: false,
 * };
 * ```
 */
export interface KeepaliveSettings {
  /** Idle time (nothing read) after which a PING is sent, ms. */
  readonly timeMs: number;
  /** How long to wait for any byte after a PING before giving up, ms. */
  readonly timeoutMs: number;
  /**
   * Whether PINGs go out on a connection without open streams (a client's
   * `permitWithoutCalls`; always true for a server, gRFC A9).
   */
  readonly permitWithoutStreams: boolean;
}

/**
 * What a {@linkcode Keepalive} needs from its connection (what
 * {@linkcode startKeepalive} gives it from an `Http2Connection`).
 *
 * @example Bound to a connection
 * ```ts ignore
 * const host: KeepaliveHost = {
 *   lastReadAt: () => conn.lastReadAt,
 *   activeStreams: () => conn.activeStreams,
 *   ping: () => conn.ping(),
 *   onTimeout: () => conn.abort(new Error("keepalive ping not acknowledged")),
 * };
 * ```
 */
export interface KeepaliveHost {
  /**
   * When the last byte was read, in the time base of the keepalive's clock.
   *
   * @returns the time of the last read
   */
  lastReadAt(): number;
  /**
   * Streams open now.
   *
   * @returns the count
   */
  activeStreams(): number;
  /**
   * Sends a PING.
   *
   * @returns resolves on its ACK; rejects when the connection closes first
   */
  ping(): Promise<unknown>;
  /** Nothing was read within `timeoutMs` of a PING: close the connection. */
  onTimeout(): void;
}

/**
 * The keepalive timer of one connection: one timer pending at a time, either
 * the next idleness check or the wait for a PING's answer.
 *
 * @example Driven by a manual clock
 * ```ts
 * import { Keepalive } from "./keepalive.ts";
 * import { ManualClock } from "../util/clock.ts";
 *
 * const clock = new ManualClock();
 * let pings = 0;
 * const keepalive = new Keepalive(
 *   { timeMs: 1000, timeoutMs: 500, permitWithoutStreams: true },
 *   {
 *     lastReadAt: () => 0, // nothing read since the start
 *     activeStreams: () => 0,
 *     ping: () => (pings++, new Promise(() => {})), // never acknowledged
 *     onTimeout: () => console.log("dead peer"),
 *   },
 *   clock,
 * );
 * keepalive.start();
 * clock.advance(1000); // a PING goes out
 * clock.advance(500); // "dead peer"
 * console.log(pings); // 1
 * ```
 */
export class Keepalive {
  readonly #settings: KeepaliveSettings;
  readonly #host: KeepaliveHost;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  /** The PING in flight: the last read seen when it was sent. */
  #readAtPing: number | undefined;
  #stopped = false;

  /**
   * Creates a stopped keepalive; {@linkcode Keepalive.start} starts it.
   *
   * @param settings time, timeout, and whether to ping without streams
   * @param host the connection's side: reads, streams, PING, close
   * @param clock time and timers (default: the system clock)
   */
  constructor(
    settings: KeepaliveSettings,
    host: KeepaliveHost,
    clock: Clock = SYSTEM_CLOCK,
  ) {
    this.#settings = settings;
    this.#host = host;
    this.#clock = clock;
  }

  /** Whether a PING was sent and nothing was read since. */
  get waiting(): boolean {
    return this.#readAtPing !== undefined;
  }

  /** Starts watching (the connection is established). */
  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#scheduleCheck();
  }

  /** Stops for good, clearing the timer (the connection closed). */
  stop(): void {
    this.#stopped = true;
    this.#readAtPing = undefined;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Arms the next check for when `timeMs` will have passed since the last read. */
  #scheduleCheck(): void {
    const idle = this.#clock.now() - this.#host.lastReadAt();
    this.#arm(this.#check, this.#settings.timeMs - idle);
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    const settings = this.#settings;
    const lastRead = this.#host.lastReadAt();
    if (this.#clock.now() - lastRead < settings.timeMs) {
      this.#scheduleCheck();
      return;
    }
    if (
      !settings.permitWithoutStreams && this.#host.activeStreams() === 0
    ) {
      // No calls: no PINGs (gRFC A8, against accidental DDoS). Look again
      // in `timeMs`: a call started meanwhile gets its PING by then, with
      // no hook on the per-call path.
      this.#arm(this.#check, settings.timeMs);
      return;
    }
    this.#readAtPing = lastRead;
    this.#host.ping().then(this.#onAck, () => {
      // The connection closed: stop() follows.
    });
    this.#arm(this.#onAckTimeout, settings.timeoutMs);
  };

  readonly #onAck = (): void => {
    if (this.#stopped || this.#readAtPing === undefined) return;
    this.#readAtPing = undefined;
    this.#clock.clearTimeout(this.#timer);
    this.#scheduleCheck();
  };

  readonly #onAckTimeout = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    // Any byte read since the PING proves the peer alive (gRFC A8 measures
    // the timeout as "not receiving any bytes"), even if its ACK is queued
    // behind data.
    if (this.#host.lastReadAt() !== this.#readAtPing) {
      this.#readAtPing = undefined;
      this.#scheduleCheck();
      return;
    }
    this.stop();
    this.#host.onTimeout();
  };

  #arm(fn: () => void, ms: number): void {
    const clock = this.#clock;
    this.#timer = clock.setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    // Keepalive alone must not keep a program alive.
    clock.unref?.(this.#timer);
  }
}

/**
 * Keepalive on an HTTP/2 connection: started now, stopped when the
 * connection closes; a PING without answer closes it, failing its streams
 * with a `ConnectionClosedError` saying so.
 *
 * @example A client connection that pings after 30 s of silence
 * ```ts ignore
 * const conn = await connectHttp2({ hostname: "127.0.0.1", port: 50051 });
 * await conn.ready;
 * startKeepalive(conn, { timeMs: 30_000, timeoutMs: 20_000, permitWithoutStreams: false });
 * ```
 *
 * @param conn the connection (established: its SETTINGS arrived)
 * @param settings time, timeout, and whether to ping without streams
 * @param clock time and timers; its `now()` must share `Date.now()`'s time
 * base, which the connection's `lastReadAt` uses (default: the system clock)
 * @returns the running keepalive
 */
export function startKeepalive(
  conn: Http2Connection,
  settings: KeepaliveSettings,
  clock: Clock = SYSTEM_CLOCK,
): Keepalive {
  const keepalive = new Keepalive(settings, {
    lastReadAt: () => conn.lastReadAt,
    activeStreams: () => conn.activeStreams,
    ping: () => conn.ping(),
    onTimeout: () =>
      conn.abort(
        new ConnectionClosedError(
          `keepalive ping not acknowledged within ${settings.timeoutMs} ms`,
        ),
      ),
  }, clock);
  keepalive.start();
  conn.closed.then(() => keepalive.stop());
  return keepalive;
}
