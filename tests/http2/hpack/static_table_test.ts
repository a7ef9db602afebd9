import assert from "node:assert/strict";
import {
  STATIC_TABLE,
  STATIC_TABLE_LENGTH,
  staticFieldIndex,
  staticNameIndex,
} from "../../../lib/http2/hpack/static_table.ts";

Deno.test("STATIC_TABLE has the 61 entries of RFC 7541 Appendix A", () => {
  assert.equal(STATIC_TABLE.length, STATIC_TABLE_LENGTH);
  assert.deepEqual(STATIC_TABLE[0], [":authority", ""]);
  assert.deepEqual(STATIC_TABLE[7], [":status", "200"]);
  assert.deepEqual(STATIC_TABLE[60], ["www-authenticate", ""]);
});

Deno.test("staticFieldIndex() finds exact matches only", () => {
  assert.equal(staticFieldIndex(":method", "GET"), 2);
  assert.equal(staticFieldIndex(":method", "POST"), 3);
  assert.equal(staticFieldIndex(":status", "500"), 14);
  assert.equal(staticFieldIndex("accept-encoding", "gzip, deflate"), 16);
  assert.equal(staticFieldIndex("content-type", ""), 31);
  assert.equal(staticFieldIndex(":method", "PUT"), 0);
  assert.equal(staticFieldIndex("grpc-status", "0"), 0);
});

Deno.test("staticNameIndex() returns the lowest index with the name", () => {
  assert.equal(staticNameIndex(":method"), 2);
  assert.equal(staticNameIndex(":status"), 8);
  assert.equal(staticNameIndex("content-type"), 31);
  assert.equal(staticNameIndex("grpc-status"), 0);
});
