/**
 * Malformed input at a connection's start and end (RFC 9113 §3.4, §6.5.3):
 * a bad client preface, a first frame other than SETTINGS, SETTINGS never
 * ACKed, EOF after the handshake and inside a frame.
 */

import assert from "node:assert/strict";
import { ConnectionClosedError } from "../../lib/http2/errors.ts";
import {
  CLIENT_PREFACE,
  ErrorCode,
  FrameType,
} from "../../lib/http2/frame/types.ts";
import { closedFully } from "./_helpers.ts";
import { setup } from "./_malformed.ts";
import { WAIT_MS, within } from "../_bounded.ts";

const { PROTOCOL_ERROR, SETTINGS_TIMEOUT } = ErrorCode;

Deno.test("a bad client preface gets GOAWAY PROTOCOL_ERROR and a close", async () => {
  await using t = await setup({}, false);
  await t.peer.sendBytes(
    new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
  );
  const g = await t.peer.goaway();
  assert.equal(g.errorCode, PROTOCOL_ERROR);
});

Deno.test("a first frame other than SETTINGS gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup({}, false);
  await t.peer.sendBytes(CLIENT_PREFACE);
  await t.peer.send((w) => w.ping(new Uint8Array(8), false));
  const g = await t.peer.goaway();
  assert.equal(g.errorCode, PROTOCOL_ERROR);
});

Deno.test("a truncated frame then EOF closes the connection cleanly", async () => {
  await using t = await setup();
  const conn = await t.server.connection();
  // A DATA header announcing 100 bytes, and only 10 of them.
  const bytes = new Uint8Array(19);
  bytes.set([0, 0, 100, FrameType.DATA, 0, 0, 0, 0, 1]);
  await t.peer.sendBytes(bytes);
  await within(t.peer.conn.closeWrite(), WAIT_MS, "closeWrite");
  const error = await closedFully(conn);
  assert.ok(error instanceof ConnectionClosedError, String(error));
  // The engine closes its side too.
  await t.peer.toEof();
  assert.equal(t.peer.eof, true);
});

Deno.test("EOF right after the handshake closes the server connection", async () => {
  await using t = await setup();
  const conn = await t.server.connection();
  await within(t.peer.conn.closeWrite(), WAIT_MS, "closeWrite");
  const error = await closedFully(conn);
  assert.ok(error instanceof ConnectionClosedError, String(error));
});

Deno.test("a peer that never ACKs our SETTINGS gets GOAWAY SETTINGS_TIMEOUT", async () => {
  await using t = await setup({ settingsTimeoutMs: 30 }, false);
  await t.peer.clientHandshake([], false);
  const g = await t.peer.goaway();
  assert.equal(g.errorCode, SETTINGS_TIMEOUT);
});
