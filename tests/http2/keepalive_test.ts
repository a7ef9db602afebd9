import assert from "node:assert/strict";
import {
  Keepalive,
  type KeepaliveSettings,
} from "../../lib/http2/keepalive.ts";
import { ManualClock } from "../../lib/util/clock.ts";

/** A connection as the keepalive sees it, driven by hand. */
function fakeHost(clock: ManualClock, streams = 1) {
  const host = {
    lastRead: clock.now(),
    streams,
    pings: 0,
    timeouts: 0,
    acks: [] as Array<(value: unknown) => void>,
    lastReadAt: () => host.lastRead,
    activeStreams: () => host.streams,
    ping: () => {
      host.pings++;
      return new Promise<unknown>((resolve) => host.acks.push(resolve));
    },
    onTimeout: () => host.timeouts++,
    /** A read (the ACK or anything else) at the clock's time. */
    read: () => {
      host.lastRead = clock.now();
    },
    /** The peer acknowledges the last PING (a read, then the ACK). */
    ack: async () => {
      host.read();
      host.acks.shift()?.(undefined);
      await Promise.resolve(); // the ACK's then() runs
    },
  };
  return host;
}

const SETTINGS: KeepaliveSettings = {
  timeMs: 1000,
  timeoutMs: 300,
  permitWithoutStreams: false,
};

Deno.test("Keepalive sends a PING after timeMs without reads, not before", () => {
  const clock = new ManualClock(5000);
  const host = fakeHost(clock);
  const keepalive = new Keepalive(SETTINGS, host, clock);
  keepalive.start();
  clock.advance(999);
  assert.equal(host.pings, 0);
  clock.advance(1);
  assert.equal(host.pings, 1);
  assert.equal(keepalive.waiting, true);
  keepalive.stop();
  assert.equal(clock.pending, 0, "stop() clears the timer");
});

Deno.test("Keepalive measures timeMs from the last read: reads postpone the PING", () => {
  const clock = new ManualClock();
  const host = fakeHost(clock);
  const keepalive = new Keepalive(SETTINGS, host, clock);
  keepalive.start();
  clock.advance(600);
  host.read(); // at 600
  clock.advance(400); // the check at 1000 finds 400 ms of silence
  assert.equal(host.pings, 0);
  assert.deepEqual(
    clock.delays,
    [600],
    "next check when 1000 ms passed since the read",
  );
  clock.advance(599);
  assert.equal(host.pings, 0);
  clock.advance(1);
  assert.equal(host.pings, 1, "a PING at 1600: 1000 ms after the last read");
  keepalive.stop();
});

Deno.test("Keepalive: an ACK within timeoutMs keeps the connection, and the next PING follows timeMs after it", async () => {
  const clock = new ManualClock();
  const host = fakeHost(clock);
  const keepalive = new Keepalive(SETTINGS, host, clock);
  keepalive.start();
  clock.advance(1000);
  assert.equal(host.pings, 1);
  clock.advance(100);
  await host.ack(); // at 1100
  assert.equal(keepalive.waiting, false);
  assert.deepEqual(clock.delays, [1000], "the ACK timeout is cleared");
  clock.advance(1000);
  assert.equal(host.pings, 2);
  assert.equal(host.timeouts, 0);
  keepalive.stop();
});

Deno.test("Keepalive: no byte within timeoutMs of the PING → onTimeout, once, and no timer left", () => {
  const clock = new ManualClock();
  const host = fakeHost(clock);
  const keepalive = new Keepalive(SETTINGS, host, clock);
  keepalive.start();
  clock.advance(1000);
  clock.advance(299);
  assert.equal(host.timeouts, 0);
  clock.advance(1);
  assert.equal(host.timeouts, 1);
  assert.equal(clock.pending, 0);
  clock.advance(10_000);
  assert.equal(host.timeouts, 1);
  assert.equal(host.pings, 1);
});

Deno.test("Keepalive: any byte read after the PING counts as an answer (gRFC A8), even without the ACK", () => {
  const clock = new ManualClock();
  const host = fakeHost(clock);
  const keepalive = new Keepalive(SETTINGS, host, clock);
  keepalive.start();
  clock.advance(1000);
  clock.advance(200);
  host.read(); // DATA, say, with the ACK queued behind it
  clock.advance(100);
  assert.equal(host.timeouts, 0);
  assert.equal(keepalive.waiting, false);
  // The next PING goes out 1000 ms after that read.
  clock.advance(899);
  assert.equal(host.pings, 1);
  clock.advance(1);
  assert.equal(host.pings, 2);
  keepalive.stop();
});

Deno.test("Keepalive sends no PING without streams unless permitted, and starts when a stream opens", () => {
  const clock = new ManualClock();
  const host = fakeHost(clock, 0);
  const keepalive = new Keepalive(SETTINGS, host, clock);
  keepalive.start();
  clock.advance(5000);
  assert.equal(host.pings, 0);
  assert.equal(clock.pending, 1, "one timer: it looks again later");
  host.streams = 1; // a call starts
  clock.advance(1000);
  assert.equal(host.pings, 1, "within timeMs of the call's start");
  keepalive.stop();

  const clock2 = new ManualClock();
  const idle = fakeHost(clock2, 0);
  const permitted = new Keepalive(
    { ...SETTINGS, permitWithoutStreams: true },
    idle,
    clock2,
  );
  permitted.start();
  clock2.advance(1000);
  assert.equal(idle.pings, 1, "permitWithoutStreams: pings an idle connection");
  permitted.stop();
});

Deno.test("Keepalive: an ACK after stop() or a late ACK after a timeout does nothing", async () => {
  const clock = new ManualClock();
  const host = fakeHost(clock);
  const keepalive = new Keepalive(SETTINGS, host, clock);
  keepalive.start();
  clock.advance(1000);
  keepalive.stop();
  await host.ack();
  assert.equal(clock.pending, 0);
  assert.equal(host.timeouts, 0);
});

Deno.test("Keepalive: a PING that fails (connection closed) is no unhandled rejection", async () => {
  const clock = new ManualClock();
  const keepalive = new Keepalive(SETTINGS, {
    lastReadAt: () => 0,
    activeStreams: () => 1,
    ping: () => Promise.reject(new Error("closed")),
    onTimeout: () => {},
  }, clock);
  keepalive.start();
  clock.advance(1000);
  await new Promise((resolve) => setTimeout(resolve, 0));
  keepalive.stop();
});

Deno.test("Keepalive caps timer delays at 2^31-1 ms (setTimeout would fire at once above)", () => {
  const clock = new ManualClock();
  const host = fakeHost(clock);
  const keepalive = new Keepalive(
    { ...SETTINGS, timeMs: 2 ** 40 },
    host,
    clock,
  );
  keepalive.start();
  assert.deepEqual(clock.delays, [0x7fffffff]);
  keepalive.stop();
});

Deno.test("Keepalive unrefs its timers: they alone do not keep a program alive", () => {
  const clock = new ManualClock();
  const unrefs: unknown[] = [];
  const keepalive = new Keepalive(SETTINGS, fakeHost(clock), {
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (h) => clock.clearTimeout(h),
    unref: (h) => unrefs.push(h),
  });
  keepalive.start();
  clock.advance(1000); // the check, then the ACK timeout
  assert.equal(unrefs.length, 2);
  keepalive.stop();
});
