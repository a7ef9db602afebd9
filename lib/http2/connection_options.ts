/**
 * What an HTTP/2 connection can be told: the byte transport under it, our
 * limits and windows, and the callbacks; each option's default, and
 * {@linkcode resolveOptions}, the one place where defaults are applied.
 *
 * @module
 */

import type { GoawayFrame } from "./frame/types.ts";
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW } from "./frame/types.ts";
import type { HeaderField } from "./hpack/mod.ts";
import type { Settings } from "./settings.ts";
import type { Http2Stream, StreamHandler } from "./stream.ts";

/**
 * The byte transport under a connection; `Deno.Conn` fits.
 *
 * @example An in-memory transport that accepts writes and never reads
 * ```ts
 * import type { Transport } from "./connection_options.ts";
 * const sink: Transport = {
 *   read: () => new Promise(() => {}),
 *   write: (p) => Promise.resolve(p.length),
 *   close: () => {},
 * };
 * ```
 */
export interface Transport {
  /**
   * Reads into `p`.
   *
   * @param p where the bytes go
   * @returns the byte count, or null at EOF
   */
  read(p: Uint8Array): Promise<number | null>;
  /**
   * Writes some of `p`.
   *
   * @param p the bytes
   * @returns the byte count written
   */
  write(p: Uint8Array): Promise<number>;
  /** Closes both directions. */
  close(): void;
}

/** Default of {@linkcode Http2ConnectionOptions.maxConcurrentStreams} for a server. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 16384;
/**
 * Default of {@linkcode Http2ConnectionOptions.initialWindowSize}: 4 MiB, so
 * one stream is not throttled to 64 KiB per round trip.
 */
export const DEFAULT_STREAM_WINDOW = 4 << 20;
/** Default of {@linkcode Http2ConnectionOptions.connectionWindowSize}: 16 MiB. */
export const DEFAULT_CONNECTION_WINDOW = 16 << 20;
/** Default of {@linkcode Http2ConnectionOptions.maxHeaderListSize}: 64 KiB. */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 64 << 10;
/** Default of {@linkcode Http2ConnectionOptions.headerTableSize} (the protocol's). */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;
/** Default of {@linkcode Http2ConnectionOptions.settingsTimeoutMs}. */
export const DEFAULT_SETTINGS_TIMEOUT_MS = 10_000;
/** Default of {@linkcode Http2ConnectionOptions.maxResetsPerSecond}. */
export const DEFAULT_MAX_RESETS_PER_SECOND = 1000;

/**
 * Our side's limits and windows, each with a safe default, and the
 * connection's callbacks.
 *
 * @example A server with a smaller stream limit
 * ```ts
 * import type { Http2ConnectionOptions } from "./connection_options.ts";
 * const options: Http2ConnectionOptions = {
 *   role: "server",
 *   maxConcurrentStreams: 100,
 *   onStream: () => ({ onHeaders() {}, onData() {}, onClose() {} }),
 * };
 * ```
 */
export interface Http2ConnectionOptions {
  /** "client" sends the preface and opens odd streams; "server" accepts them. */
  role: "client" | "server";
  /** Largest frame payload we accept. Default 16,384 (the protocol default). */
  maxFrameSize?: number;
  /**
   * Streams the peer may open at once. Default 16,384 for a server, no
   * limit for a client.
   */
  maxConcurrentStreams?: number;
  /** Our receive window per stream. Default 4 MiB, so one stream is not throttled to 64 KiB per round trip. */
  initialWindowSize?: number;
  /**
   * Our receive window for the whole connection. Default 16 MiB; never
   * below the protocol's 65,535 (only WINDOW_UPDATE can move it, §6.9.2).
   */
  connectionWindowSize?: number;
  /** Largest decoded header list we accept. Default 64 KiB. */
  maxHeaderListSize?: number;
  /** HPACK table size we let the peer use. Default 4,096. */
  headerTableSize?: number;
  /** How long the peer has to acknowledge our SETTINGS. Default 10,000 ms. */
  settingsTimeoutMs?: number;
  /**
   * Peer resets of streams we had not yet answered, tolerated per second
   * before GOAWAY ENHANCE_YOUR_CALM (Rapid Reset, CVE-2023-44487). Resets of
   * answered streams (a client cancelling long calls) are not counted.
   * Default 1,000.
   */
  maxResetsPerSecond?: number;
  /**
   * A new peer stream (server role). Returns the stream's handler. `fields`
   * is read-only: a header block that repeats an earlier one hands over the
   * same list.
   */
  onStream?: (
    stream: Http2Stream,
    fields: HeaderField[],
    endStream: boolean,
  ) => StreamHandler;
  /** The peer sent GOAWAY. */
  onGoaway?: (frame: GoawayFrame) => void;
  /** A PING arrived from the peer (server keepalive enforcement hooks here). */
  onPing?: () => void;
}

/** Options with every default applied, as the connection uses them. */
export interface ResolvedOptions {
  /** Which side we are. */
  readonly role: "client" | "server";
  /** The SETTINGS we announce. */
  readonly local: Readonly<Settings>;
  /** Our connection receive window (at least 65,535). */
  readonly connectionWindowSize: number;
  /** How long the peer has to acknowledge our SETTINGS. */
  readonly settingsTimeoutMs: number;
  /** Peer resets of unanswered streams tolerated per second. */
  readonly maxResetsPerSecond: number;
  /** See {@linkcode Http2ConnectionOptions.onStream}. */
  readonly onStream: Http2ConnectionOptions["onStream"];
  /** See {@linkcode Http2ConnectionOptions.onGoaway}. */
  readonly onGoaway: Http2ConnectionOptions["onGoaway"];
  /** See {@linkcode Http2ConnectionOptions.onPing}. */
  readonly onPing: Http2ConnectionOptions["onPing"];
}

/**
 * Applies the defaults: the one place they are written.
 *
 * @example
 * ```ts
 * import { resolveOptions } from "./connection_options.ts";
 * resolveOptions({ role: "server" }).local.maxConcurrentStreams; // 16384
 * ```
 *
 * @param options what the caller gave
 * @returns every value the connection needs
 */
export function resolveOptions(
  options: Http2ConnectionOptions,
): ResolvedOptions {
  const server = options.role === "server";
  return {
    role: options.role,
    local: {
      headerTableSize: options.headerTableSize ?? DEFAULT_HEADER_TABLE_SIZE,
      // We never push, and refuse pushes (§8.4).
      enablePush: false,
      maxConcurrentStreams: options.maxConcurrentStreams ??
        (server ? DEFAULT_MAX_CONCURRENT_STREAMS : Infinity),
      initialWindowSize: options.initialWindowSize ?? DEFAULT_STREAM_WINDOW,
      maxFrameSize: options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
      maxHeaderListSize: options.maxHeaderListSize ??
        DEFAULT_MAX_HEADER_LIST_SIZE,
    },
    // The connection window starts at 65,535 and only WINDOW_UPDATE moves
    // it (§6.9.2): a smaller value cannot be announced, so it is a floor.
    connectionWindowSize: Math.max(
      options.connectionWindowSize ?? DEFAULT_CONNECTION_WINDOW,
      DEFAULT_WINDOW,
    ),
    settingsTimeoutMs: options.settingsTimeoutMs ?? DEFAULT_SETTINGS_TIMEOUT_MS,
    maxResetsPerSecond: options.maxResetsPerSecond ??
      DEFAULT_MAX_RESETS_PER_SECOND,
    onStream: options.onStream,
    onGoaway: options.onGoaway,
    onPing: options.onPing,
  };
}
