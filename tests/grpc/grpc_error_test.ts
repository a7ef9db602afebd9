import assert from "node:assert/strict";
// deno-lint-ignore no-import-prefix
import { create, toBinary } from "npm:@bufbuild/protobuf@2.17.0";
// deno-lint-ignore no-import-prefix
import { DurationSchema } from "npm:@bufbuild/protobuf@2.17.0/wkt";
// deno-lint-ignore no-import-prefix
import { StringValueSchema } from "npm:@bufbuild/protobuf@2.17.0/wkt";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { Metadata } from "../../lib/grpc/metadata.ts";
import { Code } from "../../lib/grpc/status.ts";
import { packStatusDetail } from "../../lib/grpc/status_details.ts";

Deno.test("GrpcError formats its message with the code name", () => {
  const err = new GrpcError(Code.NOT_FOUND, "no user 7");
  assert.equal(err.name, "GrpcError");
  assert.equal(err.message, "[NOT_FOUND] no user 7");
  assert.equal(err.rawMessage, "no user 7");
  assert.equal(err.code, Code.NOT_FOUND);
  assert.ok(err instanceof Error);
  assert.equal(new GrpcError(Code.INTERNAL).message, "[INTERNAL]");
});

Deno.test("GrpcError defaults to empty metadata and no details", () => {
  const err = new GrpcError(Code.ABORTED, "x");
  assert.equal(err.metadata.size, 0);
  assert.deepEqual(err.details, []);
  assert.equal(err.cause, undefined);
});

Deno.test("GrpcError carries metadata, details and cause", () => {
  const metadata = new Metadata({ "x-retry": "no" });
  const cause = new Error("inner");
  const details = [{ typeUrl: "t", value: new Uint8Array([1]) }];
  const err = new GrpcError(Code.ABORTED, "x", { metadata, details, cause });
  assert.equal(err.metadata, metadata);
  assert.equal(err.details, details);
  assert.equal(err.cause, cause);
});

Deno.test("GrpcError.from() returns a GrpcError unchanged", () => {
  const err = new GrpcError(Code.DATA_LOSS, "lost");
  assert.equal(GrpcError.from(err), err);
  assert.equal(GrpcError.from(err, Code.INTERNAL), err);
});

Deno.test("GrpcError.from() maps an aborted signal's reason to CANCELLED", () => {
  const controller = new AbortController();
  controller.abort();
  const err = GrpcError.from(controller.signal.reason);
  assert.equal(err.code, Code.CANCELLED);
  assert.equal(err.cause, controller.signal.reason);
  const named = new Error("stop");
  named.name = "AbortError";
  assert.equal(GrpcError.from(named).code, Code.CANCELLED);
  assert.equal(GrpcError.from(named).rawMessage, "stop");
});

Deno.test("GrpcError.from() maps TimeoutError to DEADLINE_EXCEEDED", async () => {
  const signal = AbortSignal.timeout(0);
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
  assert.equal(GrpcError.from(signal.reason).code, Code.DEADLINE_EXCEEDED);
  assert.equal(
    GrpcError.from(new DOMException("late", "TimeoutError")).code,
    Code.DEADLINE_EXCEEDED,
  );
});

Deno.test("GrpcError.from() hides other errors' messages behind the fallback code", () => {
  const secret = new Error("db password is hunter2");
  const err = GrpcError.from(secret);
  assert.equal(err.code, Code.UNKNOWN);
  assert.equal(err.rawMessage, "");
  assert.equal(err.message, "[UNKNOWN]");
  assert.equal(err.cause, secret);
  assert.equal(GrpcError.from("boom", Code.INTERNAL).code, Code.INTERNAL);
  assert.equal(GrpcError.from(undefined).code, Code.UNKNOWN);
  assert.equal(GrpcError.from(null).code, Code.UNKNOWN);
});

Deno.test("GrpcError.findDetails() unpacks details of the asked type only", () => {
  const err = new GrpcError(Code.UNAVAILABLE, "later", {
    details: [
      packStatusDetail(DurationSchema, create(DurationSchema, { seconds: 2n })),
      packStatusDetail(
        StringValueSchema,
        create(StringValueSchema, { value: "hint" }),
      ),
      {
        typeUrl: "example.com/x/google.protobuf.Duration",
        value: toBinary(DurationSchema, create(DurationSchema, { nanos: 5 })),
      },
    ],
  });
  const durations = err.findDetails(DurationSchema);
  assert.deepEqual(durations.map((d) => [d.seconds, d.nanos]), [[2n, 0], [
    0n,
    5,
  ]]);
  assert.deepEqual(err.findDetails(StringValueSchema).map((s) => s.value), [
    "hint",
  ]);
});

Deno.test("GrpcError.findDetails() skips details that fail to parse", () => {
  const err = new GrpcError(Code.INTERNAL, "", {
    details: [{
      typeUrl: "type.googleapis.com/google.protobuf.Duration",
      value: new Uint8Array([0xff]),
    }],
  });
  assert.deepEqual(err.findDetails(DurationSchema), []);
});
