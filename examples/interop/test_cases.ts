/**
 * The client side of gRPC's interop test cases
 * (`doc/interop-test-descriptions.md`), written against this library's
 * public API. `examples/interop/client.ts` runs them from the command line;
 * `tests/interop/` runs them against grpc-js, grpc-python (C-core) and our
 * own server.
 *
 * What our client cannot observe: the per-message Compressed-Flag of
 * responses (`server_compressed_*` check sizes only).
 * `client_compressed_streaming` compresses only the first message, with the
 * `compressMessage` call option. The CompressedRequest probe is accepted both ways: INVALID_ARGUMENT (the server
 * checks the flag) or OK (the server cannot see the flag, like ours).
 *
 * @module
 */

import {
  type Channel,
  type Client,
  Code,
  codeName,
  createClient,
  GrpcError,
  Metadata,
} from "../../mod.ts";
import {
  TestService,
  UnimplementedService,
} from "../../gen/grpc/testing/test_pb.ts";
import type { StreamingOutputCallResponse } from "../../gen/grpc/testing/messages_pb.ts";

/** What a test case gets. */
export interface CaseContext {
  /** A TestService client. */
  client: TestClient;
  /** The channel (for other services). */
  channel: Channel;
  /** Notes about what the case could not check (printed by the runner). */
  notes: string[];
}

/** One interop test case. */
export type TestCase = (ctx: CaseContext) => Promise<void>;

type TestClient = Client<typeof TestService>;
type Element<T> = T extends Iterable<infer E> ? E
  : T extends AsyncIterable<infer E> ? E
  : never;
/** The init shape of a StreamingOutputCallRequest. */
type OutputInit = Parameters<TestClient["streamingOutputCall"]>[0];
/** The init shape of a StreamingInputCallRequest. */
type InputInit = Element<Parameters<TestClient["streamingInputCall"]>[0]>;

/** An assertion failure of a test case. */
export class CaseError extends Error {
  /** @param message what differed */
  constructor(message: string) {
    super(message);
    this.name = "CaseError";
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CaseError(message);
}

function zeros(n: number): Uint8Array {
  return new Uint8Array(n);
}

function payloadSize(
  response: { payload?: { body: Uint8Array } },
): number {
  return response.payload?.body.length ?? -1;
}

/** Expects `promise` to fail with `code`; returns the error. */
async function expectCode(
  promise: Promise<unknown>,
  code: Code,
): Promise<GrpcError> {
  try {
    await promise;
  } catch (error) {
    check(
      error instanceof GrpcError,
      `expected a GrpcError, got ${String(error)}`,
    );
    check(
      error.code === code,
      `expected ${codeName(code)}, got ${
        codeName(error.code)
      }: ${error.rawMessage}`,
    );
    return error;
  }
  throw new CaseError(`expected ${codeName(code)}, the call succeeded`);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * A request stream the case feeds by hand (ping-pong, cancellation):
 * `push()` a message, `end()` to half-close.
 */
class Pushable<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.#items.length > 0) {
        yield this.#items.shift()!;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }
}

const LARGE_REQUEST = 271_828;
const LARGE_RESPONSE = 314_159;
const STREAM_REQUEST_SIZES = [27_182, 8, 1_828, 45_904];
const STREAM_RESPONSE_SIZES = [31_415, 9, 2_653, 58_979];
const ECHO_INITIAL_KEY = "x-grpc-test-echo-initial";
const ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin";
const ECHO_INITIAL_VALUE = "test_initial_metadata_value";
const ECHO_TRAILING_VALUE = new Uint8Array([0xab, 0xab, 0xab]);
const SPECIAL_MESSAGE =
  "\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n";

function checkSizes(
  responses: StreamingOutputCallResponse[],
  sizes: number[],
): void {
  check(
    responses.length === sizes.length,
    `expected ${sizes.length} responses, got ${responses.length}`,
  );
  responses.forEach((r, i) =>
    check(
      payloadSize(r) === sizes[i],
      `response ${i}: expected ${sizes[i]} bytes, got ${payloadSize(r)}`,
    )
  );
}

/**
 * The probe of the CompressedRequest feature: an uncompressed request that
 * claims to be compressed. Servers that can see the flag answer
 * INVALID_ARGUMENT; servers that cannot (ours, grpc-js, grpc-python) succeed.
 */
async function probe(ctx: CaseContext, call: Promise<unknown>): Promise<void> {
  try {
    await call;
    ctx.notes.push(
      "server does not check expect_compressed (probe succeeded)",
    );
  } catch (error) {
    if (error instanceof GrpcError && error.code === Code.INVALID_ARGUMENT) {
      return;
    }
    throw error;
  }
}

function echoMetadata(): Metadata {
  return new Metadata({
    [ECHO_INITIAL_KEY]: ECHO_INITIAL_VALUE,
    [ECHO_TRAILING_KEY]: ECHO_TRAILING_VALUE,
  });
}

function checkEcho(
  header: Metadata | undefined,
  trailer: Metadata | undefined,
) {
  check(
    header?.get(ECHO_INITIAL_KEY) === ECHO_INITIAL_VALUE,
    `initial metadata ${ECHO_INITIAL_KEY}: got ${
      String(header?.get(ECHO_INITIAL_KEY))
    }`,
  );
  const bin = trailer?.get(ECHO_TRAILING_KEY);
  check(
    bin instanceof Uint8Array &&
      bin.length === 3 && bin.every((b) => b === 0xab),
    `trailing metadata ${ECHO_TRAILING_KEY}: got ${String(bin)}`,
  );
}

/** The test cases by their interop name, in the order they run. */
export const TEST_CASES: Record<string, TestCase> = {
  async empty_unary({ client }) {
    const response = await client.emptyCall({});
    check(response !== undefined, "no response");
  },

  async large_unary({ client }) {
    const response = await client.unaryCall({
      responseSize: LARGE_RESPONSE,
      payload: { body: zeros(LARGE_REQUEST) },
    });
    check(
      payloadSize(response) === LARGE_RESPONSE,
      `expected ${LARGE_RESPONSE} bytes, got ${payloadSize(response)}`,
    );
    check(response.payload!.body.every((b) => b === 0), "non-zero payload");
  },

  async client_compressed_unary(ctx) {
    const request = (expect: boolean) => ({
      expectCompressed: { value: expect },
      responseSize: LARGE_RESPONSE,
      payload: { body: zeros(LARGE_REQUEST) },
    });
    await probe(ctx, ctx.client.unaryCall(request(true)));
    for (const compressed of [true, false]) {
      const response = await ctx.client.unaryCall(request(compressed), {
        compression: compressed ? "gzip" : "identity",
      });
      check(
        payloadSize(response) === LARGE_RESPONSE,
        `expected ${LARGE_RESPONSE} bytes, got ${payloadSize(response)}`,
      );
    }
  },

  async server_compressed_unary(ctx) {
    for (const compressed of [true, false]) {
      const response = await ctx.client.unaryCall({
        responseCompressed: { value: compressed },
        responseSize: LARGE_RESPONSE,
        payload: { body: zeros(LARGE_REQUEST) },
      });
      check(
        payloadSize(response) === LARGE_RESPONSE,
        `expected ${LARGE_RESPONSE} bytes, got ${payloadSize(response)}`,
      );
    }
    ctx.notes.push("Compressed-Flag of responses not observable; sizes only");
  },

  async client_streaming({ client }) {
    const response = await client.streamingInputCall(
      STREAM_REQUEST_SIZES.map((n) => ({ payload: { body: zeros(n) } })),
    );
    check(
      response.aggregatedPayloadSize === 74_922,
      `expected 74922, got ${response.aggregatedPayloadSize}`,
    );
  },

  async client_compressed_streaming(ctx) {
    await probe(
      ctx,
      ctx.client.streamingInputCall([{
        expectCompressed: { value: true },
        payload: { body: zeros(27_182) },
      }]),
    );
    const requests: InputInit[] = [
      { expectCompressed: { value: true }, payload: { body: zeros(27_182) } },
      { expectCompressed: { value: false }, payload: { body: zeros(45_904) } },
    ];
    const response = await ctx.client.streamingInputCall(requests, {
      compression: "gzip",
      // The first message compressed, the second not (its flag is 0).
      compressMessage: (_message, index) => index === 0,
    });
    check(
      response.aggregatedPayloadSize === 73_086,
      `expected 73086, got ${response.aggregatedPayloadSize}`,
    );
  },

  async server_streaming({ client }) {
    const responses = await collect(client.streamingOutputCall({
      responseParameters: STREAM_RESPONSE_SIZES.map((size) => ({ size })),
    }));
    checkSizes(responses, STREAM_RESPONSE_SIZES);
  },

  async server_compressed_streaming(ctx) {
    const responses = await collect(ctx.client.streamingOutputCall({
      responseParameters: [
        { compressed: { value: true }, size: 31_415 },
        { compressed: { value: false }, size: 92_653 },
      ],
    }));
    checkSizes(responses, [31_415, 92_653]);
    ctx.notes.push("Compressed-Flag of responses not observable; sizes only");
  },

  async ping_pong({ client }) {
    const requests = new Pushable<OutputInit>();
    const responses = client.fullDuplexCall(requests)[Symbol.asyncIterator]();
    for (let i = 0; i < STREAM_REQUEST_SIZES.length; i++) {
      requests.push({
        responseParameters: [{ size: STREAM_RESPONSE_SIZES[i] }],
        payload: { body: zeros(STREAM_REQUEST_SIZES[i]) },
      });
      const next = await responses.next();
      check(!next.done, `stream ended before response ${i}`);
      check(
        payloadSize(next.value) === STREAM_RESPONSE_SIZES[i],
        `response ${i}: expected ${STREAM_RESPONSE_SIZES[i]} bytes, got ${
          payloadSize(next.value)
        }`,
      );
    }
    requests.end();
    const last = await responses.next();
    check(last.done, "more than four responses");
  },

  async empty_stream({ client }) {
    const responses = await collect(client.fullDuplexCall([]));
    check(
      responses.length === 0,
      `expected 0 responses, got ${responses.length}`,
    );
  },

  async timeout_on_sleeping_server({ client }) {
    const requests = new Pushable<OutputInit>();
    requests.push({ payload: { body: zeros(27_182) } });
    try {
      await expectCode(
        collect(client.fullDuplexCall(requests, { timeoutMs: 1 })),
        Code.DEADLINE_EXCEEDED,
      );
    } finally {
      requests.end();
    }
  },

  async cancel_after_begin({ client }) {
    const requests = new Pushable<InputInit>();
    const abort = new AbortController();
    const call = client.streamingInputCall(requests, { signal: abort.signal });
    abort.abort();
    try {
      await expectCode(call, Code.CANCELLED);
    } finally {
      requests.end();
    }
  },

  async cancel_after_first_response({ client }) {
    const requests = new Pushable<OutputInit>();
    const abort = new AbortController();
    const responses = client.fullDuplexCall(requests, { signal: abort.signal })
      [Symbol.asyncIterator]();
    requests.push({
      responseParameters: [{ size: 31_415 }],
      payload: { body: zeros(27_182) },
    });
    try {
      const first = await responses.next();
      check(!first.done && payloadSize(first.value) === 31_415, "no response");
      abort.abort();
      await expectCode(responses.next(), Code.CANCELLED);
    } finally {
      requests.end();
    }
  },

  async status_code_and_message({ client }) {
    const responseStatus = { code: 2, message: "test status message" };
    const e1 = await expectCode(client.unaryCall({ responseStatus }), 2);
    check(
      e1.rawMessage === responseStatus.message,
      `unary: message ${JSON.stringify(e1.rawMessage)}`,
    );
    const e2 = await expectCode(
      collect(client.fullDuplexCall([{ responseStatus }])),
      2,
    );
    check(
      e2.rawMessage === responseStatus.message,
      `full duplex: message ${JSON.stringify(e2.rawMessage)}`,
    );
  },

  async special_status_message({ client }) {
    const responseStatus = { code: 2, message: SPECIAL_MESSAGE };
    const e = await expectCode(client.unaryCall({ responseStatus }), 2);
    check(
      e.rawMessage === SPECIAL_MESSAGE,
      `message ${JSON.stringify(e.rawMessage)}`,
    );
  },

  async custom_metadata({ client }) {
    let header: Metadata | undefined;
    let trailer: Metadata | undefined;
    const options = {
      metadata: echoMetadata(),
      onHeader: (h: Metadata) => header = h,
      onTrailer: (t: Metadata) => trailer = t,
    };
    const response = await client.unaryCall({
      responseSize: LARGE_RESPONSE,
      payload: { body: zeros(LARGE_REQUEST) },
    }, options);
    check(payloadSize(response) === LARGE_RESPONSE, "unary: wrong size");
    checkEcho(header, trailer);
    header = trailer = undefined;
    const request: OutputInit = {
      responseParameters: [{ size: LARGE_RESPONSE }],
      payload: { body: zeros(LARGE_REQUEST) },
    };
    const responses = await collect(
      client.fullDuplexCall([request], {
        ...options,
        metadata: echoMetadata(),
      }),
    );
    checkSizes(responses, [LARGE_RESPONSE]);
    checkEcho(header, trailer);
  },

  async unimplemented_method({ client }) {
    await expectCode(client.unimplementedCall({}), Code.UNIMPLEMENTED);
  },

  async unimplemented_service({ channel }) {
    const other = createClient(UnimplementedService, channel);
    await expectCode(other.unimplementedCall({}), Code.UNIMPLEMENTED);
  },
};

/** The names of all cases, in order. */
export const CASE_NAMES: readonly string[] = Object.keys(TEST_CASES);

/** The result of one case. */
export interface CaseResult {
  /** The case name. */
  name: string;
  /** Whether it passed. */
  ok: boolean;
  /** Why it failed. */
  error?: string;
  /** What it could not check. */
  notes: string[];
  /** Wall time, ms. */
  ms: number;
}

/**
 * Runs one case on a channel.
 *
 * @param name the interop case name
 * @param channel a channel to the server under test
 * @returns the result (never throws for a failing case)
 */
export async function runCase(
  name: string,
  channel: Channel,
): Promise<CaseResult> {
  const fn = TEST_CASES[name];
  const start = performance.now();
  const notes: string[] = [];
  if (!fn) {
    return { name, ok: false, error: "unknown test case", notes, ms: 0 };
  }
  try {
    await fn({ client: createClient(TestService, channel), channel, notes });
    return { name, ok: true, notes, ms: performance.now() - start };
  } catch (error) {
    const text = error instanceof GrpcError
      ? `${codeName(error.code)}: ${error.rawMessage}`
      : error instanceof Error
      ? error.message
      : String(error);
    return {
      name,
      ok: false,
      error: text,
      notes,
      ms: performance.now() - start,
    };
  }
}
