/**
 * Shared setup of the malformed_*_test.ts files. Those send hostile and
 * malformed input to our connection engine from a raw frame-level peer: each
 * test sends hand-made frames and checks the error the engine answers with
 * (RST_STREAM or GOAWAY and its code), and that the connection closes instead
 * of hanging. By topic: _preface (start and end of a connection), _frames,
 * _streams (states, ids, Rapid Reset), _headers (HPACK, fields),
 * _continuation, _flow (flow control), _client (our client, a raw server).
 *
 * Here: a test server with a raw client peer connected to it, a GET on a
 * given stream, a predicate for a response's end, and an application that
 * hoards request bodies.
 *
 * @module
 */

import type { Http2ConnectionOptions } from "../../lib/http2/connection.ts";
import { type DataFrame, FrameType } from "../../lib/http2/frame/types.ts";
import type { StreamHandler } from "../../lib/http2/stream.ts";
import { get, RawPeer, startServer, type TestServer } from "./_helpers.ts";

/** A server and a raw client peer connected to it (handshake done unless told). */
export async function setup(
  options: Omit<Http2ConnectionOptions, "role"> = {},
  handshake = true,
): Promise<
  { server: TestServer; peer: RawPeer; [Symbol.asyncDispose](): Promise<void> }
> {
  const server = startServer(options);
  const peer = await RawPeer.connect(server.port);
  if (handshake) await peer.clientHandshake();
  return {
    server,
    peer,
    async [Symbol.asyncDispose]() {
      peer.close();
      await server.close();
    },
  };
}

/** HEADERS for a GET on `id`, ending the stream. */
export function getOn(peer: RawPeer, id: number, path = "/"): Promise<void> {
  return peer.send((w) => w.headers(id, peer.block(get(path)), true, 16384));
}

/** Matches the DATA frame that ends the response on stream `id`. */
export function responseEnded(
  id: number,
): (f: { type: number; streamId: number }) => f is DataFrame {
  return (f: { type: number; streamId: number }): f is DataFrame =>
    f.type === FrameType.DATA && f.streamId === id &&
    (f as DataFrame).endStream;
}

/** A server app that reads request bodies but never consumes them. */
export const hoarder = {
  onStream: (): StreamHandler => ({
    onHeaders() {},
    onData() {},
    onClose() {},
  }),
};
