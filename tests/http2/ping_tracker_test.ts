import assert from "node:assert/strict";
import { PingTracker } from "../../lib/http2/ping_tracker.ts";

Deno.test("PingTracker matches each ACK to its PING and ignores strangers", async () => {
  const pings = new PingTracker();
  const a = pings.start();
  const b = pings.start();
  assert.notDeepEqual(a.data, b.data);
  assert.equal(pings.outstanding, 2);
  assert.equal(pings.ack(new Uint8Array(8).fill(9)), false);
  assert.equal(pings.ack(b.data), true);
  assert.ok(await b.rtt >= 0);
  assert.equal(pings.ack(b.data), false, "an ACK counts once");
  pings.failAll(new Error("closed"));
  await assert.rejects(a.rtt, /closed/);
  assert.equal(pings.outstanding, 0);
});
