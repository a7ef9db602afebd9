import assert from "node:assert/strict";
import {
  ChannelKeepalive,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
} from "../../lib/channel/channel_keepalive.ts";
import { resolveChannelOptions } from "../../lib/channel/channel_options.ts";

Deno.test("ChannelKeepalive.from: off without timeMs (the default) or with Infinity; defaults timeoutMs 20 s and permitWithoutCalls false", () => {
  assert.equal(ChannelKeepalive.from(undefined), undefined);
  assert.equal(ChannelKeepalive.from({}), undefined);
  assert.equal(ChannelKeepalive.from({ timeMs: Infinity }), undefined);
  assert.equal(resolveChannelOptions({}).keepalive, undefined);
  assert.deepEqual(ChannelKeepalive.from({ timeMs: 1000 })!.settings(), {
    timeMs: 1000,
    timeoutMs: DEFAULT_KEEPALIVE_TIMEOUT_MS,
    permitWithoutStreams: false,
  });
  assert.equal(DEFAULT_KEEPALIVE_TIMEOUT_MS, 20_000);
  assert.deepEqual(
    resolveChannelOptions({
      keepalive: { timeMs: 500, timeoutMs: 100, permitWithoutCalls: true },
    }).keepalive!.settings(),
    { timeMs: 500, timeoutMs: 100, permitWithoutStreams: true },
  );
});

Deno.test("ChannelKeepalive.from rejects a timeMs or timeoutMs that is not > 0", () => {
  for (const bad of [0, -1, NaN]) {
    assert.throws(() => ChannelKeepalive.from({ timeMs: bad }), RangeError);
    assert.throws(
      () => ChannelKeepalive.from({ timeMs: 1000, timeoutMs: bad }),
      RangeError,
    );
  }
});

Deno.test("ChannelKeepalive.tooManyPings doubles the time for new connections, once per offending time, and tells onTooManyPings", () => {
  const told: number[] = [];
  const keepalive = ChannelKeepalive.from({
    timeMs: 1000,
    onTooManyPings: (ms) => told.push(ms),
  })!;
  const first = keepalive.settings();
  keepalive.tooManyPings(first.timeMs);
  keepalive.tooManyPings(first.timeMs); // another connection made with 1000
  assert.equal(keepalive.settings().timeMs, 2000);
  assert.equal(first.timeMs, 1000, "settings given out do not change");
  keepalive.tooManyPings(2000);
  assert.equal(keepalive.settings().timeMs, 4000);
  assert.deepEqual(told, [2000, 4000]);
});
