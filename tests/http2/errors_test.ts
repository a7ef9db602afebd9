import assert from "node:assert/strict";
import {
  ConnectionClosedError,
  ConnectionError,
  GoawayError,
  Http2Error,
  ResetError,
  StreamError,
} from "../../lib/http2/errors.ts";
import { ErrorCode } from "../../lib/http2/frame/types.ts";

Deno.test("ConnectionError carries its code and names it in the message", () => {
  const cause = new Error("root");
  const err = new ConnectionError(ErrorCode.PROTOCOL_ERROR, "bad frame", {
    cause,
  });
  assert.ok(err instanceof Http2Error);
  assert.ok(err instanceof Error);
  assert.equal(err.code, 1);
  assert.equal(err.name, "ConnectionError");
  assert.equal(err.message, "PROTOCOL_ERROR: bad frame");
  assert.equal(err.cause, cause);
});

Deno.test("StreamError carries its stream id and code", () => {
  const err = new StreamError(7, ErrorCode.FRAME_SIZE_ERROR, "short");
  assert.ok(err instanceof Http2Error);
  assert.ok(!(err instanceof ConnectionError));
  assert.equal(err.streamId, 7);
  assert.equal(err.code, ErrorCode.FRAME_SIZE_ERROR);
  assert.equal(err.name, "StreamError");
  assert.match(err.message, /^FRAME_SIZE_ERROR: stream 7: short$/);
});

Deno.test("GoawayError records last stream id, debug data and origin", () => {
  const err = new GoawayError(
    5,
    ErrorCode.ENHANCE_YOUR_CALM,
    "too_many_pings",
    true,
  );
  assert.ok(err instanceof Http2Error);
  assert.equal(err.lastStreamId, 5);
  assert.equal(err.code, ErrorCode.ENHANCE_YOUR_CALM);
  assert.equal(err.debugData, "too_many_pings");
  assert.equal(err.remote, true);
  assert.equal(err.name, "GoawayError");
  assert.match(err.message, /^ENHANCE_YOUR_CALM: .*received.*too_many_pings/);
  const local = new GoawayError(0, ErrorCode.NO_ERROR, "", false);
  assert.match(local.message, /^NO_ERROR: GOAWAY sent, last stream 0$/);
});

Deno.test("ResetError records stream id, code and origin", () => {
  const err = new ResetError(3, ErrorCode.CANCEL, false);
  assert.ok(err instanceof Http2Error);
  assert.equal(err.streamId, 3);
  assert.equal(err.code, ErrorCode.CANCEL);
  assert.equal(err.remote, false);
  assert.equal(err.name, "ResetError");
  assert.equal(err.message, "CANCEL: stream 3 reset by us");
});

Deno.test("an unknown error code is named UNKNOWN_0x… in the message", () => {
  const err = new ResetError(1, 0x1234, true);
  assert.equal(err.code, 0x1234);
  assert.equal(err.message, "UNKNOWN_0x1234: stream 1 reset by peer");
});

Deno.test("ConnectionClosedError is a plain Error with a default message", () => {
  const err = new ConnectionClosedError();
  assert.ok(err instanceof Error);
  assert.ok(!(err instanceof Http2Error));
  assert.equal(err.name, "ConnectionClosedError");
  assert.equal(err.message, "connection closed");
  const cause = new Error("EOF");
  assert.equal(new ConnectionClosedError("gone", { cause }).cause, cause);
});
