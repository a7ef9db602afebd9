import assert from "node:assert/strict";
import { PickerSlot } from "../../lib/channel/picker_slot.ts";
import { failPicker, QUEUE_PICKER } from "../../lib/channel/picker.ts";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { Code } from "../../lib/grpc/status.ts";
import { Metadata } from "../../lib/grpc/metadata.ts";

const info = { path: "/a.B/C", metadata: new Metadata() };

Deno.test("PickerSlot wakes every waiter with the picker published at that moment", async () => {
  const slot = new PickerSlot();
  const seen = slot.current;
  const a = slot.next(seen);
  const b = slot.next(seen);
  const failing = failPicker(new GrpcError(Code.UNAVAILABLE, "down"));
  slot.publish(failing);
  slot.publish(QUEUE_PICKER); // replaced in the same turn
  assert.equal(await a, failing);
  assert.equal(await b, failing);
  assert.equal((await a).pick(info).type, "fail");
});

Deno.test("PickerSlot.next answers at once when the picker already changed", async () => {
  const slot = new PickerSlot();
  const old = slot.current;
  const p = failPicker(new GrpcError(Code.UNAVAILABLE, "x"));
  slot.publish(p);
  assert.equal(await slot.next(old), p);
});

Deno.test("PickerSlot.next rejects with the signal's reason and forgets the waiter", async () => {
  const slot = new PickerSlot();
  const ac = new AbortController();
  const waiting = slot.next(slot.current, ac.signal);
  ac.abort(new GrpcError(Code.DEADLINE_EXCEEDED, "deadline"));
  await assert.rejects(
    waiting,
    (e: unknown) => e instanceof GrpcError && e.code === Code.DEADLINE_EXCEEDED,
  );
  slot.publish(QUEUE_PICKER); // nothing left to wake
});

Deno.test("PickerSlot.close fails waiters and every later pick", async () => {
  const slot = new PickerSlot();
  const waiting = slot.next(slot.current);
  slot.close(new GrpcError(Code.UNAVAILABLE, "channel closed"));
  await assert.rejects(waiting, /channel closed/);
  await assert.rejects(slot.next(slot.current), /channel closed/);
  const result = slot.current.pick(info);
  assert.equal(result.type, "fail");
  slot.publish(QUEUE_PICKER);
  assert.equal(slot.current.pick(info).type, "fail", "closed for good");
});
