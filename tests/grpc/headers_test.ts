import assert from "node:assert/strict";
import {
  CONTENT_TYPE_GRPC,
  grpcContentSubtype,
  isGrpcContentType,
} from "../../lib/grpc/headers.ts";

Deno.test("isGrpcContentType() accepts application/grpc with a subtype or parameters", () => {
  for (
    const ok of [
      CONTENT_TYPE_GRPC,
      "application/grpc+proto",
      "application/grpc+json",
      "application/grpc;charset=utf-8",
      "application/grpc+proto; charset=utf-8",
      "Application/GRPC",
    ]
  ) {
    assert.equal(isGrpcContentType(ok), true, ok);
  }
});

Deno.test("isGrpcContentType() rejects other content types", () => {
  for (
    const bad of [
      undefined,
      "",
      "application/json",
      "application/grpc-web",
      "application/grpc-web+proto",
      "application/grpcx",
      "text/plain",
      "application/grp",
    ]
  ) {
    assert.equal(isGrpcContentType(bad), false, String(bad));
  }
});

Deno.test("grpcContentSubtype() returns the lowercase codec name", () => {
  assert.equal(grpcContentSubtype("application/grpc"), "");
  assert.equal(grpcContentSubtype("application/grpc+proto"), "proto");
  assert.equal(grpcContentSubtype("application/grpc+JSON; x=1"), "json");
  assert.equal(grpcContentSubtype("application/grpc;x=1"), "");
  assert.equal(grpcContentSubtype("application/grpc-web"), undefined);
});
