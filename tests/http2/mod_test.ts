import assert from "node:assert/strict";
import * as http2 from "../../lib/http2/mod.ts";
import type { Transport } from "../../lib/http2/mod.ts";

/** A transport that never delivers bytes and swallows writes. */
function silentTransport(): Transport & { closed: boolean } {
  const t = {
    closed: false,
    read: () => new Promise<number | null>(() => {}),
    write: (p: Uint8Array) => Promise.resolve(p.length),
    close: () => {
      t.closed = true;
    },
  };
  return t;
}

Deno.test("lib/http2/mod.ts exports the engine's public surface", () => {
  for (
    const name of [
      "Http2Connection",
      "connectHttp2",
      "acceptHttp2",
      "HANDED_OVER",
      "DEFAULT_SETTINGS",
      "ErrorCode",
      "errorCodeName",
      "Http2Error",
      "ConnectionError",
      "StreamError",
      "GoawayError",
      "ResetError",
      "ConnectionClosedError",
      "StreamStateError",
      "ConnectionStateError",
      "StreamUsageError",
    ]
  ) {
    assert.ok(name in http2, name);
  }
  // The engine's parts stay inside.
  for (
    const name of [
      "StreamImpl",
      "StreamRegistry",
      "StreamReceiver",
      "SendScheduler",
      "WriteLoop",
      "ReadLoop",
    ]
  ) {
    assert.ok(!(name in http2), name);
  }
});

Deno.test("Http2Connection has no engine internals: no schedule/resetStream/releaseCapacity, lastReadAt read-only", () => {
  const conn = new http2.Http2Connection(silentTransport(), {
    role: "client",
    settingsTimeoutMs: 60_000,
  });
  try {
    for (const name of ["schedule", "resetStream", "releaseCapacity"]) {
      assert.ok(!(name in conn), name);
    }
    assert.equal(typeof conn.lastReadAt, "number");
    assert.throws(() => {
      (conn as unknown as { lastReadAt: number }).lastReadAt = 0;
    }, TypeError);
  } finally {
    conn.destroy();
  }
});

Deno.test("Http2Stream's state fields are read-only on the stream users get", () => {
  const conn = new http2.Http2Connection(silentTransport(), {
    role: "client",
    settingsTimeoutMs: 60_000,
  });
  try {
    const stream = conn.tryOpenStream({
      onHeaders() {},
      onData() {},
      onClose() {},
    })!;
    assert.equal(stream.state, "idle");
    assert.equal(stream.closed, false);
    assert.equal(stream.localEnded, false);
    for (const name of ["closed", "localEnded", "state"]) {
      assert.throws(() => {
        (stream as unknown as Record<string, unknown>)[name] = true;
      }, TypeError);
    }
    stream.reset();
    assert.equal(stream.closed, true);
    assert.equal(stream.state, "closed");
  } finally {
    conn.destroy();
  }
});
