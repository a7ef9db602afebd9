/**
 * Test helpers for the HTTP/2 engine: a test server on a free port, a client
 * request helper, a small application that serves or echoes bytes, and raw
 * frame-level peers (client and server) that speak bytes, not streams.
 *
 * Every wait in here is bounded (Deno's test runner has no timeout): a
 * request, a connection's close, a server's close, a raw peer's connect,
 * accept, read and write fail with what never came instead of stalling the
 * run. Tests using these helpers need bounds only for their own promises.
 *
 * @module
 */

import type {
  Http2Connection,
  Http2ConnectionOptions,
} from "../../lib/http2/connection.ts";
import { acceptHttp2 } from "../../lib/http2/serve.ts";
import type { Http2Stream, StreamHandler } from "../../lib/http2/stream.ts";
import { FrameDecoder } from "../../lib/http2/frame/decoder.ts";
import { FrameWriter } from "../../lib/http2/frame/writer.ts";
import {
  CLIENT_PREFACE,
  type Frame,
  FrameType,
  type GoawayFrame,
  MAX_MAX_FRAME_SIZE,
  type RstStreamFrame,
} from "../../lib/http2/frame/types.ts";
import {
  type HeaderField,
  HpackDecoder,
  HpackEncoder,
} from "../../lib/http2/hpack/mod.ts";
import { WAIT_MS, within } from "../_bounded.ts";

/** A GET request's pseudo-headers for `path`. */
export function get(
  path: string,
  authority = "localhost",
): Array<[string, string]> {
  return [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", path],
    [":authority", authority],
  ];
}

/** A POST request's pseudo-headers for `path`. */
export function post(path: string): Array<[string, string]> {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "localhost"],
  ];
}

/** `n` bytes of a recognisable pattern (byte i is `(i * 31 + 7) & 0xff`). */
export function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

/** Concatenates byte chunks. */
export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** The value of the first field named `name`. */
export function field(
  fields: ReadonlyArray<readonly [string, string]>,
  name: string,
): string | undefined {
  return fields.find(([n]) => n === name)?.[1];
}

/** What a client request got back. */
export interface Response {
  headers: HeaderField[];
  body: Uint8Array;
  trailers: HeaderField[] | undefined;
}

/**
 * Sends one request on `conn` and collects the response; rejects with the
 * stream's close error, or after {@linkcode WAIT_MS} without one.
 */
export async function request(
  conn: Http2Connection,
  fields: ReadonlyArray<readonly [string, string]>,
  body?: Uint8Array,
): Promise<Response> {
  const done = Promise.withResolvers<Response>();
  let headers: HeaderField[] | undefined;
  let trailers: HeaderField[] | undefined;
  const chunks: Uint8Array[] = [];
  const path = field(fields, ":path") ?? "?";
  const stream: Http2Stream = await within(
    conn.openStream({
      onHeaders(f) {
        if (headers === undefined) headers = f;
        else trailers = f;
      },
      onData(data) {
        chunks.push(data.slice());
        stream.consume(data.length);
      },
      onClose(error) {
        if (error) done.reject(error);
        else {
          done.resolve({
            headers: headers ?? [],
            body: concatBytes(chunks),
            trailers,
          });
        }
      },
    }),
    WAIT_MS,
    `openStream for ${path}`,
  );
  stream.sendHeaders(fields, body === undefined);
  if (body !== undefined) stream.sendData(body, true).catch(() => {});
  return await within(done.promise, WAIT_MS, `response to ${path}`);
}

/**
 * A small HTTP application on a server stream: `/bytes/N` answers N pattern
 * bytes, `/echo` answers the request body, `/count` answers the request body
 * length as text, anything else answers `hello\n`. Always `:status 200`.
 */
export function serveApp(
  stream: Http2Stream,
  fields: HeaderField[],
  endStream: boolean,
): StreamHandler {
  const path = field(fields, ":path") ?? "/";
  const chunks: Uint8Array[] = [];
  let total = 0;
  const respond = () => {
    if (stream.closed) return;
    let body: Uint8Array;
    if (path.startsWith("/bytes/")) body = pattern(Number(path.slice(7)));
    else if (path === "/echo") body = concatBytes(chunks);
    else if (path === "/count") body = new TextEncoder().encode(String(total));
    else body = new TextEncoder().encode("hello\n");
    stream.sendHeaders([
      [":status", "200"],
      ["content-length", String(body.length)],
    ]);
    stream.sendData(body, true).catch(() => {});
  };
  if (endStream) queueMicrotask(respond);
  return {
    onHeaders() {},
    onData(data, end) {
      if (path === "/echo") chunks.push(data.slice());
      total += data.length;
      stream.consume(data.length);
      if (end) respond();
    },
    onClose() {},
  };
}

/** A test HTTP/2 server on 127.0.0.1. */
export interface TestServer extends AsyncDisposable {
  readonly port: number;
  /** Every connection accepted so far. */
  readonly connections: Http2Connection[];
  /** Resolves with the next connection accepted (or the first, if any). */
  connection(): Promise<Http2Connection>;
  /** Stops listening and tears down every connection. */
  close(): Promise<void>;
}

/**
 * Starts a server built on `acceptHttp2`; `onStream` defaults to
 * {@linkcode serveApp}.
 */
export function startServer(
  options: Omit<Http2ConnectionOptions, "role"> = {},
): TestServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connections: Http2Connection[] = [];
  const waiters: Array<(c: Http2Connection) => void> = [];
  const accepting = acceptHttp2(
    listener,
    { onStream: serveApp, ...options },
    (conn) => {
      connections.push(conn);
      for (const w of waiters.splice(0)) w(conn);
    },
  );
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    listener.close();
    await within(accepting, WAIT_MS, "the test server's accept loop ending");
    for (const conn of connections) conn.destroy();
    await Promise.all(connections.map((c) => closedFully(c)));
  };
  return {
    port: listener.addr.port,
    connections,
    connection() {
      if (connections.length > 0) {
        return Promise.resolve(connections[connections.length - 1]);
      }
      return within(
        new Promise((resolve) => waiters.push(resolve)),
        WAIT_MS,
        "a connection to the test server",
      );
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Waits (bounded) for a connection to close, then for its socket work to
 * settle (the final write and socket close run just after `closed` resolves).
 */
export async function closedFully(
  conn: Http2Connection,
): Promise<Error | undefined> {
  const error = await within(conn.closed, WAIT_MS, "the connection's close");
  // The final write and the socket close follow in later turns.
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  return error;
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/** Waits until something accepts TCP connections on `port` (a child server). */
export async function waitForPort(port: number, tries = 250): Promise<void> {
  for (let i = 0; i < tries; i++) {
    try {
      const c = await within(
        Deno.connect({ hostname: "127.0.0.1", port }),
        WAIT_MS,
        `a TCP connect to port ${port}`,
      );
      c.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`nothing listens on port ${port}`);
}

/**
 * How long a raw peer waits for bytes, or for a write to be taken, before it
 * closes its socket and fails the test (a hang guard, never a measurement).
 */
const GUARD_MS = WAIT_MS;

/**
 * One side of an HTTP/2 connection at the frame level, for feeding our engine
 * hand-made (and malformed) frames and reading what it answers.
 */
export class RawPeer {
  readonly conn: Deno.TcpConn;
  /** Queue frames here, then `flush()`. */
  readonly writer = new FrameWriter();
  readonly decoder: FrameDecoder;
  /** Encodes header blocks for this peer's HEADERS. */
  readonly hpackOut = new HpackEncoder();
  /** Decodes the engine's header blocks. */
  readonly hpackIn = new HpackDecoder();
  /** Every frame read so far. */
  readonly frames: Frame[] = [];
  #eof = false;
  #closed = false;

  private constructor(conn: Deno.TcpConn, expectPreface: boolean) {
    // Small frames must go out at once, not wait for Nagle's algorithm.
    conn.setNoDelay(true);
    this.conn = conn;
    this.decoder = new FrameDecoder({
      maxFrameSize: MAX_MAX_FRAME_SIZE,
      expectPreface,
    });
  }

  /** A raw client connected to `port`; nothing is sent yet. */
  static async connect(port: number): Promise<RawPeer> {
    const conn = await within(
      Deno.connect({ hostname: "127.0.0.1", port }),
      WAIT_MS,
      `a raw peer's connect to port ${port}`,
    );
    return new RawPeer(conn, false);
  }

  /** A raw server: accepts one connection; the client preface is expected. */
  static async accept(listener: Deno.TcpListener): Promise<RawPeer> {
    const conn = await within(
      listener.accept(),
      WAIT_MS,
      "a connection to the raw server peer",
    );
    return new RawPeer(conn, true);
  }

  /** Whether the engine closed the socket. */
  get eof(): boolean {
    return this.#eof;
  }

  /** Writes whatever the writer holds; a closed socket is ignored. */
  flush(): Promise<void> {
    return this.sendBytes(this.writer.take());
  }

  /** Queues frames with `fn`, then writes them. */
  send(fn: (w: FrameWriter) => void): Promise<void> {
    fn(this.writer);
    return this.flush();
  }

  /**
   * Writes raw bytes (e.g. a bad preface or a truncated frame); a socket the
   * engine closed is ignored. A write the engine never takes (it stopped
   * reading) closes the socket and throws after the guard.
   */
  async sendBytes(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.close();
    }, GUARD_MS);
    try {
      while (offset < bytes.length) {
        offset += await this.conn.write(bytes.subarray(offset));
      }
    } catch {
      // Closed by the engine (or by the guard, reported below).
    } finally {
      clearTimeout(timer);
    }
    if (timedOut) {
      throw new Error(
        `${
          bytes.length - offset
        } of ${bytes.length} bytes not taken within ${GUARD_MS} ms`,
      );
    }
  }

  /** Encodes `fields` with this peer's HPACK encoder. */
  block(fields: ReadonlyArray<readonly [string, string]>): Uint8Array {
    return this.hpackOut.encode(fields);
  }

  /**
   * Client handshake: preface and SETTINGS (`settings`), then reads until the
   * engine's SETTINGS arrived (which is ACKed unless `ack` is false) and, when
   * `ack` is true, until the engine ACKed ours.
   */
  async clientHandshake(
    settings: Array<[number, number]> = [],
    ack = true,
  ): Promise<void> {
    await this.sendBytes(CLIENT_PREFACE);
    await this.send((w) => w.settings(settings));
    await this.#settingsExchange(ack);
  }

  /** Server handshake: SETTINGS, ACK of the client's, wait for its ACK. */
  async serverHandshake(settings: Array<[number, number]> = []): Promise<void> {
    await this.send((w) => w.settings(settings));
    await this.#settingsExchange(true);
  }

  async #settingsExchange(ack: boolean): Promise<void> {
    let gotSettings = false;
    let gotAck = !ack;
    while (!gotSettings || !gotAck) {
      const frame = await this.until((f) => f.type === FrameType.SETTINGS)
        .catch((error: Error) => {
          throw new Error(`handshake: ${error.message}`);
        });
      if (frame.ack) gotAck = true;
      else {
        gotSettings = true;
        if (ack) await this.send((w) => w.settingsAck());
      }
    }
  }

  /** The next frame, or null once the engine closed the socket. */
  async next(): Promise<Frame | null> {
    while (true) {
      const frame = this.decoder.next();
      if (frame !== null) {
        this.frames.push(frame);
        return frame;
      }
      if (this.#eof) return null;
      const buf = new Uint8Array(64 << 10);
      let n: number | null;
      // A hang guard, not a timing check: an engine that neither answers
      // nor closes fails the test instead of stalling the run.
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        this.close();
      }, GUARD_MS);
      try {
        n = await this.conn.read(buf);
      } catch {
        n = null; // reset by the engine: same as EOF here
      } finally {
        clearTimeout(timer);
      }
      if (timedOut) {
        throw new Error(
          `no frame within ${GUARD_MS} ms; read: ${
            this.frames.map(describe).join(", ")
          }`,
        );
      }
      if (n === null) {
        this.#eof = true;
        continue;
      }
      this.decoder.push(buf.subarray(0, n));
    }
  }

  /**
   * Reads until a frame matches; throws at EOF, or once {@linkcode GUARD_MS}
   * passed (an engine that keeps sending other frames, e.g. PINGs, would
   * otherwise keep this loop alive).
   */
  async until<F extends Frame>(
    match: (frame: Frame) => frame is F,
  ): Promise<F>;
  async until(match: (frame: Frame) => boolean): Promise<Frame>;
  async until(match: (frame: Frame) => boolean): Promise<Frame> {
    const end = Date.now() + GUARD_MS;
    while (true) {
      const frame = await this.next();
      if (frame === null) {
        throw new Error(
          `EOF before the expected frame; read: ${
            this.frames.map(describe).join(", ")
          }`,
        );
      }
      if (match(frame)) return frame;
      if (Date.now() > end) {
        throw new Error(
          `no expected frame within ${GUARD_MS} ms; read: ${
            this.frames.map(describe).join(", ")
          }`,
        );
      }
    }
  }

  /** Reads (and keeps) frames until the engine closes the socket. */
  async toEof(): Promise<void> {
    const end = Date.now() + GUARD_MS;
    while ((await this.next()) !== null) {
      if (Date.now() > end) {
        throw new Error(
          `no EOF within ${GUARD_MS} ms; read: ${
            this.frames.map(describe).join(", ")
          }`,
        );
      }
    }
  }

  /** Reads until GOAWAY, then to EOF; returns the GOAWAY. */
  async goaway(): Promise<GoawayFrame> {
    const frame = await this.until((f): f is GoawayFrame =>
      f.type === FrameType.GOAWAY
    );
    // The engine must close the socket after GOAWAY.
    await this.toEof();
    return frame;
  }

  /** Reads until RST_STREAM on `streamId`. */
  rst(streamId: number): Promise<RstStreamFrame> {
    return this.until((f): f is RstStreamFrame =>
      f.type === FrameType.RST_STREAM && f.streamId === streamId
    );
  }

  /** Reads until RST_STREAM on `streamId` or GOAWAY; returns its error code. */
  async streamOrConnectionError(streamId: number): Promise<number> {
    const frame = await this.until((f) =>
      (f.type === FrameType.RST_STREAM && f.streamId === streamId) ||
      f.type === FrameType.GOAWAY
    );
    return (frame as RstStreamFrame | GoawayFrame).errorCode;
  }

  /** Sends a PING and waits for its ACK (everything sent before was read). */
  async sync(): Promise<void> {
    const data = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2]);
    await this.send((w) => w.ping(data, false));
    await this.until((f) =>
      f.type === FrameType.PING && f.ack && f.data[0] === 9
    );
  }

  /** Closes the socket (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A short description of a frame, for assertion messages. */
export function describe(frame: Frame): string {
  const name = Object.entries(FrameType).find(([, v]) => v === frame.type)
    ?.[0];
  let extra = "";
  if (frame.type === FrameType.GOAWAY || frame.type === FrameType.RST_STREAM) {
    extra = ` code=${frame.errorCode}`;
  }
  return `${name}(${frame.streamId}${extra})`;
}
