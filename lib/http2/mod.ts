/**
 * An HTTP/2 engine (RFC 9113, HPACK RFC 7541) for Deno, with no gRPC in it:
 * client and server connections over TCP, TLS (ALPN `h2`) or unix sockets,
 * streams with flow control, PING, GOAWAY and graceful shutdown. It passes
 * the h2spec cases, and guards against CONTINUATION floods and Rapid Reset
 * (CVE-2023-44487).
 *
 * One writer owns each socket: streams queue frames, and the connection
 * writes what is queued once per turn. Stream handlers are called
 * synchronously from the read loop with views into its buffer: copy what
 * you keep, and call {@linkcode Http2Stream.consume} once data is processed
 * so the peer may send more.
 *
 * @example A server and a client in one program
 * ```ts
 * import { acceptHttp2, connectHttp2, type Http2Connection } from "./mod.ts";
 *
 * // A server answering every request with "hello".
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const accepted: Http2Connection[] = [];
 * void acceptHttp2(listener, {
 *   onStream(stream) {
 *     stream.sendHeaders([[":status", "200"]]);
 *     void stream.sendData(new TextEncoder().encode("hello"), true);
 *     return { onHeaders() {}, onData() {}, onClose() {} };
 *   },
 * }, (conn) => accepted.push(conn));
 *
 * // A client fetching "/".
 * const conn = await connectHttp2({
 *   hostname: "127.0.0.1",
 *   port: listener.addr.port,
 * });
 * const chunks: Uint8Array[] = [];
 * const done = Promise.withResolvers<void>();
 * const stream = await conn.openStream({
 *   onHeaders(fields) {
 *     console.log(fields); // [[":status", "200"]]
 *   },
 *   onData(data) {
 *     chunks.push(data.slice());
 *     stream.consume(data.length);
 *   },
 *   onClose(error) {
 *     if (error) done.reject(error);
 *     else done.resolve();
 *   },
 * });
 * stream.sendHeaders([
 *   [":method", "GET"],
 *   [":scheme", "http"],
 *   [":path", "/"],
 *   [":authority", "localhost"],
 * ], true);
 * await done.promise;
 * await conn.close();
 * listener.close();
 * await Promise.all(accepted.map((c) => c.close()));
 * ```
 *
 * @module
 */

export { Http2Connection } from "./connection.ts";
export {
  DEFAULT_CONNECTION_WINDOW,
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_HEADER_LIST_SIZE,
  DEFAULT_MAX_RESETS_PER_SECOND,
  DEFAULT_SETTINGS_TIMEOUT_MS,
  DEFAULT_STREAM_WINDOW,
  type Http2ConnectionOptions,
  type Transport,
} from "./connection_options.ts";
export {
  HANDED_OVER,
  type Http2Stream,
  type StreamHandler,
  type StreamState,
} from "./stream.ts";
export {
  AlpnError,
  connectHttp2,
  type ConnectTarget,
  type TlsConnectOptions,
} from "./connect.ts";
export { acceptHttp2 } from "./serve.ts";
export {
  Keepalive,
  type KeepaliveHost,
  type KeepaliveSettings,
  startKeepalive,
} from "./keepalive.ts";
export { DEFAULT_SETTINGS, type Settings } from "./settings.ts";
export type { Clock, TimerHandle } from "../util/clock.ts";
export {
  ConnectionClosedError,
  ConnectionError,
  ConnectionStateError,
  GoawayError,
  Http2Error,
  ResetError,
  StreamError,
  StreamStateError,
  type StreamStateReason,
  StreamUsageError,
} from "./errors.ts";
export type { HeaderField } from "./hpack/mod.ts";
export { ErrorCode, errorCodeName, type GoawayFrame } from "./frame/types.ts";
