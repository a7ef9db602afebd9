/**
 * Header blocks and fields (RFC 9113 §4.3, §8.2, §8.3; RFC 7541): an HPACK
 * index past the tables, forbidden and uppercase fields, a missing :path,
 * pseudo-headers in trailers, a header list above our limit.
 */

import assert from "node:assert/strict";
import {
  ErrorCode,
  FrameType,
  type HeadersFrame,
} from "../../lib/http2/frame/types.ts";
import { field, get, post } from "./_helpers.ts";
import { getOn, responseEnded, setup } from "./_malformed.ts";

const { PROTOCOL_ERROR, COMPRESSION_ERROR } = ErrorCode;

Deno.test("an HPACK index past the tables gets GOAWAY COMPRESSION_ERROR", async () => {
  await using t = await setup();
  // Indexed field 70: the static table has 61 entries, the dynamic one none.
  await t.peer.send((w) =>
    w.headers(1, new Uint8Array([0x80 | 70]), true, 16384)
  );
  assert.equal((await t.peer.goaway()).errorCode, COMPRESSION_ERROR);
});

for (
  const [name, extra] of [
    ["an uppercase field name", ["X-Upper", "1"]],
    ["a connection header", ["connection", "keep-alive"]],
    ["te: gzip", ["te", "gzip"]],
    ["transfer-encoding", ["transfer-encoding", "chunked"]],
  ] as const
) {
  Deno.test(`a request with ${name} gets RST_STREAM PROTOCOL_ERROR and the connection lives on`, async () => {
    await using t = await setup();
    await t.peer.send((w) =>
      w.headers(1, t.peer.block([...get("/"), extra]), true, 16384)
    );
    assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
    // The HPACK tables are still in step: a good request works.
    await getOn(t.peer, 3, "/bytes/3");
    await t.peer.until(responseEnded(3));
  });
}

Deno.test("a request missing :path gets RST_STREAM PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) =>
    w.headers(
      1,
      t.peer.block([[":method", "GET"], [":scheme", "http"]]),
      true,
      16384,
    )
  );
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
});

Deno.test("trailers with a pseudo-header get RST_STREAM PROTOCOL_ERROR", async () => {
  await using t = await setup();
  await t.peer.send((w) => {
    w.headers(1, t.peer.block(post("/echo")), false, 16384);
    w.headers(1, t.peer.block([[":path", "/x"]]), true, 16384);
  });
  assert.equal((await t.peer.rst(1)).errorCode, PROTOCOL_ERROR);
});

Deno.test("a header list above our limit gets a 431 response", async () => {
  await using t = await setup({ maxHeaderListSize: 1024 });
  await t.peer.send((w) =>
    w.headers(
      1,
      t.peer.block([...get("/"), ["x-big", "a".repeat(2000)]]),
      true,
      16384,
    )
  );
  const h = await t.peer.until((f): f is HeadersFrame =>
    f.type === FrameType.HEADERS && f.streamId === 1
  );
  const fields = t.peer.hpackIn.decode(h.fragment).fields;
  assert.equal(field(fields, ":status"), "431");
});
