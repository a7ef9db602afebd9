import assert from "node:assert/strict";
import {
  type AgedConnection,
  ConnectionAge,
  type ConnectionAgeLimits,
} from "../../lib/server/connection_age.ts";
import { ManualClock } from "../../lib/util/clock.ts";

function fakeConnection() {
  const conn = {
    streams: 0,
    opened: 0,
    drained: [] as string[],
    forced: 0,
    activeStreams: () => conn.streams,
    streamsOpened: () => conn.opened,
    drain: (debug: string) => conn.drained.push(debug),
    forceClose: () => conn.forced++,
    /** A call starts. */
    open() {
      conn.streams++;
      conn.opened += 2;
    },
    /** A call ends. */
    end() {
      conn.streams--;
    },
  };
  return conn satisfies AgedConnection;
}

const NONE: ConnectionAgeLimits = {
  maxIdleMs: Infinity,
  maxAgeMs: Infinity,
  maxAgeGraceMs: Infinity,
};

Deno.test("ConnectionAge: no limits, no timers", () => {
  const clock = new ManualClock();
  const age = new ConnectionAge(NONE, fakeConnection(), clock);
  age.start();
  assert.equal(clock.pending, 0);
  age.stop();
});

Deno.test("ConnectionAge: max age with ±10 % jitter, from the random source", () => {
  for (const [random, expected] of [[0, 900], [0.5, 1000], [0.999, 1099.8]]) {
    const clock = new ManualClock();
    const conn = fakeConnection();
    const age = new ConnectionAge(
      { ...NONE, maxAgeMs: 1000 },
      conn,
      clock,
      () => random,
    );
    age.start();
    assert.equal(clock.delays.length, 1);
    assert.ok(
      Math.abs(clock.delays[0] - expected) < 1e-6,
      `${clock.delays[0]}`,
    );
    clock.advance(clock.delays[0]);
    assert.deepEqual(conn.drained, ["max_age"]);
    age.stop();
    assert.equal(clock.pending, 0);
  }
});

Deno.test("ConnectionAge: after the max_age GOAWAY, the grace period ends in a forced close; no grace, no force", () => {
  const clock = new ManualClock();
  const conn = fakeConnection();
  conn.open();
  const age = new ConnectionAge(
    { ...NONE, maxAgeMs: 1000, maxAgeGraceMs: 500 },
    conn,
    clock,
    () => 0.5,
  );
  age.start();
  clock.advance(1000);
  assert.deepEqual(conn.drained, ["max_age"]);
  clock.advance(499);
  assert.equal(conn.forced, 0);
  clock.advance(1);
  assert.equal(conn.forced, 1);
  assert.equal(clock.pending, 0);

  const clock2 = new ManualClock();
  const conn2 = fakeConnection();
  const age2 = new ConnectionAge(
    { ...NONE, maxAgeMs: 1000 },
    conn2,
    clock2,
    () => 0.5,
  );
  age2.start();
  clock2.advance(10_000_000);
  assert.equal(conn2.forced, 0);
  assert.equal(clock2.pending, 0);
  age2.stop();
});

Deno.test("ConnectionAge: a connection never used closes maxIdleMs after it was established (max_idle)", () => {
  const clock = new ManualClock();
  const conn = fakeConnection();
  const age = new ConnectionAge({ ...NONE, maxIdleMs: 1000 }, conn, clock);
  age.start();
  clock.advance(999);
  assert.deepEqual(conn.drained, []);
  clock.advance(1);
  assert.deepEqual(conn.drained, ["max_idle"]);
  assert.equal(clock.pending, 0);
});

Deno.test("ConnectionAge: not idle while a call is open; idle from (at the latest) the first check after calls ended, closing at most a quarter period late", () => {
  const clock = new ManualClock();
  const conn = fakeConnection();
  const age = new ConnectionAge({ ...NONE, maxIdleMs: 1000 }, conn, clock);
  age.start();
  clock.advance(100);
  conn.open(); // a long call from 100 to 5100
  clock.advance(5000);
  assert.deepEqual(conn.drained, [], "never idle during the call");
  conn.end(); // at 5100
  clock.advance(1000); // 6100: idle 1000 ms, but the checks saw it late
  assert.deepEqual(conn.drained, []);
  clock.advance(250);
  assert.deepEqual(
    conn.drained,
    ["max_idle"],
    "closed by 6350: ≤ 1.25 × maxIdleMs",
  );
});

Deno.test("ConnectionAge: short calls between checks keep the connection from idling", () => {
  const clock = new ManualClock();
  const conn = fakeConnection();
  const age = new ConnectionAge({ ...NONE, maxIdleMs: 1000 }, conn, clock);
  age.start();
  for (let i = 0; i < 10; i++) {
    clock.advance(900);
    conn.open();
    conn.end(); // a quick unary call: never seen open by a check
  }
  assert.deepEqual(conn.drained, []);
  clock.advance(2000);
  assert.deepEqual(conn.drained, ["max_idle"]);
  age.stop();
});

Deno.test("ConnectionAge: max age clears the idle timer; stop() clears everything; timers are unref'd", () => {
  const clock = new ManualClock();
  const unrefs: unknown[] = [];
  const conn = fakeConnection();
  conn.open();
  const age = new ConnectionAge(
    { maxIdleMs: 10_000, maxAgeMs: 1000, maxAgeGraceMs: Infinity },
    conn,
    {
      now: () => clock.now(),
      setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
      clearTimeout: (h) => clock.clearTimeout(h),
      unref: (h) => unrefs.push(h),
    },
    () => 0.5,
  );
  age.start();
  assert.equal(clock.pending, 2);
  assert.equal(unrefs.length, 2);
  clock.advance(1000);
  assert.deepEqual(conn.drained, ["max_age"]);
  assert.equal(clock.pending, 0);
  age.stop();
});
