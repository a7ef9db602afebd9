import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import { create } from "npm:@bufbuild/protobuf@2.17.0";
// deno-lint-ignore no-import-prefix
import { DurationSchema } from "npm:@bufbuild/protobuf@2.17.0/wkt";
import {
  decodeStatusDetails,
  encodeStatusDetails,
  packStatusDetail,
  type StatusDetail,
} from "../../lib/grpc/status_details.ts";

Deno.test("encodeStatusDetails() and decodeStatusDetails() round trip", () => {
  const details: StatusDetail[] = [
    { typeUrl: "type.googleapis.com/a.B", value: new Uint8Array([1, 2, 3]) },
    { typeUrl: "type.googleapis.com/c.D", value: new Uint8Array(0) },
  ];
  const decoded = decodeStatusDetails(
    encodeStatusDetails(3, "bad ☺ input", details),
  );
  assert.deepEqual(decoded, { code: 3, message: "bad ☺ input", details });
});

Deno.test("encodeStatusDetails() writes the protobuf wire format of google.rpc.Status", () => {
  assert.deepEqual(
    [...encodeStatusDetails(5, "x", [{
      typeUrl: "t",
      value: new Uint8Array([9]),
    }])],
    [0x08, 5, 0x12, 1, 0x78, 0x1a, 6, 0x0a, 1, 0x74, 0x12, 1, 9],
  );
  assert.equal(encodeStatusDetails(0, "", []).length, 0);
});

Deno.test("decodeStatusDetails() reads defaults from empty input", () => {
  assert.deepEqual(decodeStatusDetails(new Uint8Array(0)), {
    code: 0,
    message: "",
    details: [],
  });
});

Deno.test("decodeStatusDetails() skips unknown fields", () => {
  // field 4 varint 1, field 5 length-delimited "zz", then code 7
  const bytes = new Uint8Array([0x20, 1, 0x2a, 2, 0x7a, 0x7a, 0x08, 7]);
  assert.deepEqual(decodeStatusDetails(bytes), {
    code: 7,
    message: "",
    details: [],
  });
});

Deno.test("decodeStatusDetails() returns undefined on garbage, never throws", () => {
  const garbage = [
    [0xff],
    [0x08], // truncated varint
    [0x12, 5, 0x61], // length past the end
    [0x0a, 1, 0x61], // code with the wrong wire type
    [0x1a, 2, 0x08, 1], // detail whose type_url is a varint
    [0x00], // field number 0
    [0x0f], // wire type 7
  ];
  for (const g of garbage) {
    assert.equal(decodeStatusDetails(new Uint8Array(g)), undefined, String(g));
  }
});

Deno.test("packStatusDetail() packs a message like google.protobuf.Any", () => {
  const detail = packStatusDetail(
    DurationSchema,
    create(DurationSchema, { seconds: 3n }),
  );
  assert.equal(detail.typeUrl, "type.googleapis.com/google.protobuf.Duration");
  assert.deepEqual([...detail.value], [0x08, 3]);
});
