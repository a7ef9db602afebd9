import assert from "node:assert/strict";
import {
  hasReceivedHeaders,
  hasSentHeaders,
  isClosed,
  isLocalEnded,
  isReleased,
  isRemoteEnded,
  mayReceive,
  queueSend,
  receivedData,
  receivedHeaders,
  receivedReset,
  receivedWindowUpdate,
  releasedState,
  sentEnd,
  sentHeaders,
  stateName,
  StateWord,
  type StreamState,
} from "../../lib/http2/stream_state.ts";
import {
  ConnectionStateError,
  ResetError,
  StreamStateError,
  type StreamStateReason,
  StreamUsageError,
} from "../../lib/http2/errors.ts";
import { ErrorCode } from "../../lib/http2/frame/types.ts";

const IDLE = StateWord.IDLE;
const RESERVED_LOCAL = StateWord.RESERVED_LOCAL;
const RESERVED_REMOTE = StateWord.RESERVED_REMOTE;
const OPEN = StateWord.OPEN;
const HALF_CLOSED_LOCAL = StateWord.HALF_CLOSED_LOCAL;
const HALF_CLOSED_REMOTE = StateWord.HALF_CLOSED_REMOTE;
const CLOSED = StateWord.CLOSED;
const STATE_MASK = StateWord.STATE_MASK;
const SENT_HEADERS = StateWord.SENT_HEADERS;
const RECEIVED_HEADERS = StateWord.RECEIVED_HEADERS;
const END_QUEUED = StateWord.END_QUEUED;
const RELEASED = StateWord.RELEASED;

const STATES = [
  IDLE,
  RESERVED_LOCAL,
  RESERVED_REMOTE,
  OPEN,
  HALF_CLOSED_LOCAL,
  HALF_CLOSED_REMOTE,
  CLOSED,
];
/** Every combination of the flags a transition reads or keeps. */
const FLAG_SETS = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
  (i & 1 ? SENT_HEADERS : 0) | (i & 2 ? RECEIVED_HEADERS : 0) |
  (i & 4 ? END_QUEUED : 0)
);
/** Every state word: each §5.1 state with each flag combination. */
const WORDS = STATES.flatMap((s) => FLAG_SETS.map((f) => s | f));

/** A refused transition: the error class, its reason and (peer errors) code. */
type Refusal =
  | { usage: StreamStateReason }
  | { stream: StreamStateReason; code: number }
  | { connection: StreamStateReason; code: number };

/** What a transition should do from `word`: the next §5.1 state, or refuse. */
type Expected = number | Refusal;

function check(
  word: number,
  expected: Expected,
  run: () => number | void,
  flagsAfter: (word: number) => number = (w) => w & ~STATE_MASK,
): void {
  const label = `${stateName(word)} (word ${word})`;
  if (typeof expected === "number") {
    const next = run();
    if (next === undefined) return; // no state change (WINDOW_UPDATE)
    assert.equal(next & STATE_MASK, expected, label);
    assert.equal(next & ~STATE_MASK, flagsAfter(word), `${label}: flags`);
    return;
  }
  assert.throws(run, (e: unknown) => {
    const state = stateName(word) as StreamState;
    if ("usage" in expected) {
      assert.ok(e instanceof StreamUsageError, `${label}: ${e}`);
      assert.equal(e.reason, expected.usage, label);
      assert.equal(e.state, state);
    } else if ("stream" in expected) {
      assert.ok(e instanceof StreamStateError, `${label}: ${e}`);
      assert.equal(e.reason, expected.stream, label);
      assert.equal(e.code, expected.code, label);
      assert.equal(e.streamId, 5);
      assert.equal(e.state, state);
    } else {
      assert.ok(e instanceof ConnectionStateError, `${label}: ${e}`);
      assert.equal(e.reason, expected.connection, label);
      assert.equal(e.code, expected.code, label);
      assert.equal(e.streamId, 5);
      assert.equal(e.state, state);
    }
    return true;
  });
}

const { PROTOCOL_ERROR, STREAM_CLOSED } = ErrorCode;

Deno.test("stateName() names the seven §5.1 states", () => {
  assert.deepEqual(STATES.map(stateName), [
    "idle",
    "reserved-local",
    "reserved-remote",
    "open",
    "half-closed-local",
    "half-closed-remote",
    "closed",
  ]);
  assert.equal(stateName(OPEN | RECEIVED_HEADERS | END_QUEUED), "open");
});

Deno.test("queueSend(): allowed until our END_STREAM is queued or written; refused when closed or reserved (remote)", () => {
  for (const word of WORDS) {
    const s = word & STATE_MASK;
    for (const end of [false, true]) {
      const expected: Expected = s === CLOSED
        ? { usage: "send-on-closed" }
        : s === RESERVED_REMOTE
        ? { usage: "send-on-reserved" }
        : word & END_QUEUED || s === HALF_CLOSED_LOCAL
        ? { usage: "send-after-end" }
        : s;
      check(
        word,
        expected,
        () => queueSend(word, end, 5),
        (w) => (w & ~STATE_MASK) | (end ? END_QUEUED : 0),
      );
    }
  }
});

Deno.test("queueSend() on a stream closed by an error throws that error", () => {
  const cause = new ResetError(5, ErrorCode.CANCEL, true);
  assert.throws(
    () => queueSend(CLOSED | END_QUEUED, false, 5, cause),
    (e) => e === cause,
  );
});

Deno.test("sentHeaders(): send H opens idle, half-closes reserved (local); refused after our END_STREAM", () => {
  const table: Record<number, Expected> = {
    [IDLE]: OPEN,
    [RESERVED_LOCAL]: HALF_CLOSED_REMOTE,
    [RESERVED_REMOTE]: { usage: "send-on-reserved" },
    [OPEN]: OPEN,
    [HALF_CLOSED_LOCAL]: { usage: "send-after-end" },
    [HALF_CLOSED_REMOTE]: HALF_CLOSED_REMOTE,
    [CLOSED]: { usage: "send-on-closed" },
  };
  for (const word of WORDS) {
    check(
      word,
      table[word & STATE_MASK],
      () => sentHeaders(word, 5),
      (w) => (w & ~STATE_MASK) | SENT_HEADERS,
    );
  }
});

Deno.test("sentEnd(): send ES half-closes open and closes half-closed (remote); refused elsewhere", () => {
  const table: Record<number, Expected> = {
    [IDLE]: { usage: "send-before-headers" },
    [RESERVED_LOCAL]: { usage: "send-before-headers" },
    [RESERVED_REMOTE]: { usage: "send-on-reserved" },
    [OPEN]: HALF_CLOSED_LOCAL,
    [HALF_CLOSED_LOCAL]: { usage: "send-after-end" },
    [HALF_CLOSED_REMOTE]: CLOSED,
    [CLOSED]: { usage: "send-on-closed" },
  };
  for (const word of WORDS) {
    check(word, table[word & STATE_MASK], () => sentEnd(word, 5));
  }
});

Deno.test("receivedHeaders(): recv H opens, recv ES half-closes or closes; trailers must end the stream", () => {
  for (const word of WORDS) {
    const s = word & STATE_MASK;
    const headersSeen = (word & RECEIVED_HEADERS) !== 0;
    for (const end of [false, true]) {
      let expected: Expected;
      switch (s) {
        case IDLE:
          expected = end ? HALF_CLOSED_REMOTE : OPEN;
          break;
        case RESERVED_REMOTE:
          expected = end ? CLOSED : HALF_CLOSED_LOCAL;
          break;
        case OPEN:
        case HALF_CLOSED_LOCAL:
          expected = end
            ? (s === OPEN ? HALF_CLOSED_REMOTE : CLOSED)
            : headersSeen
            ? { stream: "trailers-without-end", code: PROTOCOL_ERROR }
            : s;
          break;
        case HALF_CLOSED_REMOTE:
          expected = { stream: "frame-after-end", code: STREAM_CLOSED };
          break;
        case RESERVED_LOCAL:
          expected = { connection: "frame-on-reserved", code: PROTOCOL_ERROR };
          break;
        default:
          expected = { connection: "headers-on-closed", code: STREAM_CLOSED };
      }
      check(
        word,
        expected,
        () => receivedHeaders(word, end, 5),
        (w) => (w & ~STATE_MASK) | RECEIVED_HEADERS,
      );
    }
  }
});

Deno.test("receivedData(): DATA only after the header block and before END_STREAM; idle and reserved are connection errors", () => {
  for (const word of WORDS) {
    const s = word & STATE_MASK;
    const headersSeen = (word & RECEIVED_HEADERS) !== 0;
    for (const end of [false, true]) {
      let expected: Expected;
      switch (s) {
        case OPEN:
        case HALF_CLOSED_LOCAL:
          expected = !headersSeen
            ? { stream: "data-before-headers", code: PROTOCOL_ERROR }
            : end
            ? (s === OPEN ? HALF_CLOSED_REMOTE : CLOSED)
            : s;
          break;
        case HALF_CLOSED_REMOTE:
          expected = { stream: "frame-after-end", code: STREAM_CLOSED };
          break;
        case CLOSED:
          expected = { stream: "data-on-closed", code: STREAM_CLOSED };
          break;
        case IDLE:
          expected = { connection: "frame-on-idle", code: PROTOCOL_ERROR };
          break;
        default:
          expected = { connection: "frame-on-reserved", code: PROTOCOL_ERROR };
      }
      check(word, expected, () => receivedData(word, end, 5));
    }
  }
});

Deno.test("receivedReset(): recv R closes any stream but an idle one", () => {
  for (const word of WORDS) {
    const expected: Expected = (word & STATE_MASK) === IDLE
      ? { connection: "frame-on-idle", code: PROTOCOL_ERROR }
      : CLOSED;
    check(word, expected, () => receivedReset(word, 5));
  }
});

Deno.test("receivedWindowUpdate(): refused on idle and reserved (remote) streams only", () => {
  for (const word of WORDS) {
    const s = word & STATE_MASK;
    const expected: Expected = s === IDLE
      ? { connection: "frame-on-idle", code: PROTOCOL_ERROR }
      : s === RESERVED_REMOTE
      ? { connection: "frame-on-reserved", code: PROTOCOL_ERROR }
      : s;
    check(word, expected, () => receivedWindowUpdate(word, 5));
  }
});

Deno.test("releasedState(): closed, our side ended, and released", () => {
  for (const word of WORDS) {
    check(
      word,
      CLOSED,
      () => releasedState(word),
      (w) => (w & ~STATE_MASK) | END_QUEUED | RELEASED,
    );
  }
});

Deno.test("the predicates read the state word", () => {
  for (const word of [...WORDS, ...WORDS.map((w) => w | RELEASED)]) {
    const s = word & STATE_MASK;
    assert.equal(isClosed(word), s === CLOSED);
    assert.equal(isReleased(word), (word & RELEASED) !== 0);
    assert.equal(isLocalEnded(word), (word & END_QUEUED) !== 0);
    assert.equal(isRemoteEnded(word), s === HALF_CLOSED_REMOTE);
    assert.equal(mayReceive(word), s === OPEN || s === HALF_CLOSED_LOCAL);
    assert.equal(hasSentHeaders(word), (word & SENT_HEADERS) !== 0);
    assert.equal(hasReceivedHeaders(word), (word & RECEIVED_HEADERS) !== 0);
  }
});

Deno.test("a client stream's life: send H, recv H, send ES, recv DATA+ES", () => {
  let s = IDLE;
  s = queueSend(s, false, 1);
  s = sentHeaders(s, 1);
  assert.equal(stateName(s), "open");
  s = receivedHeaders(s, false, 1);
  s = queueSend(s, true, 1);
  s = sentEnd(s, 1);
  assert.equal(stateName(s), "half-closed-local");
  s = receivedData(s, false, 1);
  s = receivedData(s, true, 1);
  assert.equal(stateName(s), "closed");
  assert.equal(s, CLOSED | SENT_HEADERS | RECEIVED_HEADERS | END_QUEUED);
});
