import assert from "node:assert/strict";
import {
  ReceiveWindow,
  SendWindow,
  WINDOW_UPDATE_DIVISOR,
} from "../../lib/http2/flow_control.ts";
import { DEFAULT_WINDOW, MAX_WINDOW } from "../../lib/http2/frame/types.ts";

Deno.test("SendWindow.consume() lowers the window", () => {
  const w = new SendWindow(DEFAULT_WINDOW);
  w.consume(1000);
  assert.equal(w.size, DEFAULT_WINDOW - 1000);
});

Deno.test("SendWindow.increase() adds up to exactly 2^31-1", () => {
  const w = new SendWindow(DEFAULT_WINDOW);
  assert.equal(w.increase(MAX_WINDOW - DEFAULT_WINDOW), true);
  assert.equal(w.size, MAX_WINDOW);
});

Deno.test("SendWindow.increase() past 2^31-1 returns false and leaves the window", () => {
  const w = new SendWindow(DEFAULT_WINDOW);
  assert.equal(w.increase(MAX_WINDOW), false);
  assert.equal(w.size, DEFAULT_WINDOW);
  const full = new SendWindow(MAX_WINDOW);
  assert.equal(full.increase(1), false);
});

Deno.test("SendWindow takes a negative SETTINGS delta below zero and recovers (§6.9.2)", () => {
  const w = new SendWindow(100);
  w.consume(100);
  assert.equal(w.increase(-300), true);
  assert.equal(w.size, -300);
  assert.equal(w.increase(700), true);
  assert.equal(w.size, 400);
});

Deno.test("SendWindow overflow is checked on the sum, even from a negative window", () => {
  const w = new SendWindow(-10);
  assert.equal(w.increase(MAX_WINDOW), true);
  assert.equal(w.size, MAX_WINDOW - 10);
  assert.equal(w.increase(11), false);
});

Deno.test("ReceiveWindow.receive() accepts up to the window and refuses one byte more", () => {
  const w = new ReceiveWindow(1000);
  assert.equal(w.receive(600), true);
  assert.equal(w.receive(400), true);
  assert.equal(w.available, 0);
  assert.equal(w.receive(1), false);
  assert.equal(w.available, 0);
});

Deno.test("ReceiveWindow.receive() of 0 (an empty DATA frame) always fits", () => {
  const w = new ReceiveWindow(0);
  assert.equal(w.receive(0), true);
});

Deno.test("ReceiveWindow.release() waits until a quarter of the window is consumed", () => {
  const target = 65536;
  const w = new ReceiveWindow(target);
  const threshold = target / WINDOW_UPDATE_DIVISOR;
  w.receive(target);
  assert.equal(w.release(threshold - 1), 0);
  assert.equal(w.available, 0);
  assert.equal(w.release(1), threshold);
  assert.equal(w.available, threshold);
  // The pending count starts over after an update.
  assert.equal(w.release(10), 0);
});

Deno.test("ReceiveWindow.release() of a whole window returns it in one update", () => {
  const w = new ReceiveWindow(16384);
  w.receive(16384);
  assert.equal(w.release(16384), 16384);
  assert.equal(w.available, 16384);
  assert.equal(w.receive(16384), true);
});

Deno.test("ReceiveWindow never grants more than it was given back", () => {
  const w = new ReceiveWindow(1000);
  let granted = 0;
  for (let i = 0; i < 100; i++) {
    assert.equal(w.receive(10), true);
    granted += w.release(10);
  }
  // 1000 received in total; all of it came back, in updates of ≥ 250.
  assert.equal(granted, 1000);
  assert.equal(w.available, 1000);
});
