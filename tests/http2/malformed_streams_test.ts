/**
 * Stream states and ids (RFC 9113 §5.1, §5.1.1, §5.3.1, §8.1.1): frames on
 * closed and idle streams, self-dependencies, content-length against the
 * DATA sent, even and decreasing stream ids, and Rapid Reset (many streams
 * opened and reset).
 */

import assert from "node:assert/strict";
import { ErrorCode } from "../../lib/http2/frame/types.ts";
import { get, post } from "./_helpers.ts";
import { getOn, hoarder, responseEnded, setup } from "./_malformed.ts";

const { PROTOCOL_ERROR, STREAM_CLOSED, ENHANCE_YOUR_CALM } = ErrorCode;

Deno.test("HEADERS on a closed stream gets STREAM_CLOSED", async () => {
  await using t = await setup();
  await getOn(t.peer, 1);
  await t.peer.until(responseEnded(1));
  await getOn(t.peer, 1);
  assert.equal(await t.peer.streamOrConnectionError(1), STREAM_CLOSED);
});

Deno.test("DATA after the client's END_STREAM gets STREAM_CLOSED", async () => {
  await using t = await setup(hoarder);
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.data(1, new Uint8Array(3), true);
    w.data(1, new Uint8Array(3), false);
  });
  assert.equal(await t.peer.streamOrConnectionError(1), STREAM_CLOSED);
});

Deno.test("DATA after the client's own RST_STREAM gets STREAM_CLOSED", async () => {
  await using t = await setup(hoarder);
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.rstStream(1, ErrorCode.CANCEL);
    w.data(1, new Uint8Array(3), false);
  });
  assert.equal(await t.peer.streamOrConnectionError(1), STREAM_CLOSED);
});

Deno.test("HEADERS depending on its own stream gets RST_STREAM PROTOCOL_ERROR; HPACK stays in step", async () => {
  await using t = await setup();
  const self = { exclusive: false, dependency: 1, weight: 16 };
  await t.peer.send((w) =>
    w.headers(
      1,
      t.peer.block([...get("/"), ["x-new", "indexed"]]),
      true,
      16384,
      self,
    )
  );
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
  // The next block refers to the entry the rejected block added.
  await t.peer.send((w) =>
    w.headers(
      3,
      t.peer.block([...get("/bytes/4"), ["x-new", "indexed"]]),
      true,
      16384,
    )
  );
  await t.peer.until(responseEnded(3));
});

Deno.test("PRIORITY depending on its own stream gets RST_STREAM PROTOCOL_ERROR", async () => {
  await using t = await setup(hoarder);
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.priority(1, { exclusive: false, dependency: 1, weight: 1 });
  });
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
});

for (
  const [name, length, bodies] of [
    ["more DATA than content-length", "4", [3, 3]],
    ["less DATA than content-length", "10", [3, 3]],
    ["END_STREAM on HEADERS with content-length 5", "5", []],
    ["a content-length that is not a number", "0x10", [16]],
  ] as const
) {
  Deno.test(`a request with ${name} gets RST_STREAM PROTOCOL_ERROR`, async () => {
    await using t = await setup(hoarder);
    const fields = [...post("/echo"), ["content-length", length] as const];
    await t.peer.send((w) => {
      w.headers(1, t.peer.block(fields), bodies.length === 0, 16384);
      bodies.forEach((n, i) =>
        w.data(1, new Uint8Array(n), i === bodies.length - 1)
      );
    });
    assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
  });
}

Deno.test("a request whose DATA matches its content-length is served", async () => {
  await using t = await setup();
  const fields = [...post("/count"), ["content-length", "6"] as const];
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(fields), false, 16384);
    w.data(1, new Uint8Array(2), false);
    w.data(1, new Uint8Array(4), true);
  });
  const end = await t.peer.until(responseEnded(1));
  assert.equal(new TextDecoder().decode(end.data), "6");
});

Deno.test("HEADERS on an even (server-initiated) stream id gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await getOn(t.peer, 2);
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

Deno.test("a stream id lower than the last one gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) =>
    w.headers(5, t.peer.block(post("/echo")), false, 16384)
  );
  await getOn(t.peer, 3);
  assert.equal(await t.peer.streamOrConnectionError(3), PROTOCOL_ERROR);
});

Deno.test("DATA on an idle stream gets GOAWAY PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => w.data(9, new Uint8Array(1), false));
  assert.equal((await t.peer.goaway()).errorCode, PROTOCOL_ERROR);
});

// ---------------------------------------------------------------- abuse

Deno.test("rapid reset (open and RST many streams) gets GOAWAY ENHANCE_YOUR_CALM", async () => {
  await using t = await setup({ maxResetsPerSecond: 20 });
  await t.peer.send((w) => {
    for (let id = 1; id < 200; id += 2) {
      w.headers(id, t.peer.block(post("/echo")), false, 16384);
      w.rstStream(id, ErrorCode.CANCEL);
    }
  });
  assert.equal((await t.peer.goaway()).errorCode, ENHANCE_YOUR_CALM);
});

Deno.test("a few resets stay below the Rapid Reset limit", async () => {
  await using t = await setup({ maxResetsPerSecond: 20 });
  await t.peer.send((w) => {
    for (let id = 1; id < 20; id += 2) {
      w.headers(id, t.peer.block(post("/echo")), false, 16384);
      w.rstStream(id, ErrorCode.CANCEL);
    }
  });
  await getOn(t.peer, 21, "/bytes/1");
  await t.peer.until(responseEnded(21));
});
