import assert from "node:assert/strict";
import {
  type Compression,
  CompressionRegistry,
  deflate,
  gzip,
  identity,
  parseAcceptEncoding,
} from "../../lib/grpc/compression.ts";
import { GrpcError } from "../../lib/grpc/grpc_error.ts";
import { Code } from "../../lib/grpc/status.ts";
import { DEFAULT_MAX_MESSAGE_SIZE } from "../../lib/grpc/envelope.ts";
import { assertQuickAndSmall, gzipBomb, measure, zlibBomb } from "./_bomb.ts";

function sample(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i % 7) * 13;
  return out;
}

async function assertRejectsWith(
  promise: Promise<unknown>,
  code: Code,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof GrpcError);
    assert.equal(err.code, code);
    return true;
  });
}

for (const algo of [gzip, deflate]) {
  Deno.test(`${algo.name} round trips messages of several sizes`, async () => {
    for (const n of [0, 1, 100, 271_828]) {
      const data = sample(n);
      const packed = await algo.compress(data);
      if (n >= 100) assert.ok(packed.length < n);
      assert.deepEqual(await algo.decompress(packed, n), data);
    }
  });

  Deno.test(`${algo.name} reports corrupt, truncated or empty input as INTERNAL`, async () => {
    await assertRejectsWith(
      algo.decompress(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 1024),
      Code.INTERNAL,
    );
    const packed = await algo.compress(sample(1000));
    for (const cut of [1, 2, 3, 4, 5, 8, packed.length >> 1]) {
      await assertRejectsWith(
        algo.decompress(packed.subarray(0, packed.length - cut), 4096),
        Code.INTERNAL,
      );
    }
    await assertRejectsWith(
      algo.decompress(new Uint8Array([...packed, 0]), 4096),
      Code.INTERNAL,
    );
    const flipped = packed.slice();
    flipped[flipped.length - 1] ^= 1; // checksum
    await assertRejectsWith(algo.decompress(flipped, 4096), Code.INTERNAL);
    await assertRejectsWith(
      algo.decompress(new Uint8Array(0), 4096),
      Code.INTERNAL,
    );
  });

  Deno.test(`${algo.name} reports output over maxSize as RESOURCE_EXHAUSTED`, async () => {
    const packed = await algo.compress(new Uint8Array(10_000_000)); // a small "bomb"
    assert.ok(packed.length < 100_000);
    await assertRejectsWith(
      algo.decompress(packed, 1000),
      Code.RESOURCE_EXHAUSTED,
    );
    await assertRejectsWith(
      algo.decompress(await algo.compress(sample(101)), 100),
      Code.RESOURCE_EXHAUSTED,
    );
  });
}

const GIB = 1024 * 1024 * 1024;

for (const [algo, bomb] of [[gzip, gzipBomb], [deflate, zlibBomb]] as const) {
  Deno.test(`${algo.name} stops a bomb inflating to 1 GiB within a second, in bounded memory`, async () => {
    const packed = bomb(GIB);
    assert.ok(packed.length < DEFAULT_MAX_MESSAGE_SIZE); // passes the length check
    const m = await measure(() =>
      assertRejectsWith(
        algo.decompress(packed, DEFAULT_MAX_MESSAGE_SIZE),
        Code.RESOURCE_EXHAUSTED,
      )
    );
    assertQuickAndSmall(m);
  });

  Deno.test(`${algo.name} inflates a message of exactly maxSize fed in slices`, async () => {
    // Compressed size × 1032 passes the limit: the input goes in slices that
    // shrink as the output nears the limit.
    const size = 2_000_000;
    const packed = bomb(size);
    assert.ok(packed.length * 1032 > size);
    const out = await algo.decompress(packed, size);
    assert.equal(out.length, size);
    assert.ok(out.every((b) => b === 0));
    await assertRejectsWith(
      algo.decompress(bomb(size + 1), size),
      Code.RESOURCE_EXHAUSTED,
    );
    // The checksums are still checked on the sliced path.
    const flipped = packed.slice();
    flipped[flipped.length - (algo === gzip ? 8 : 1)] ^= 1; // CRC / Adler-32
    await assertRejectsWith(algo.decompress(flipped, size), Code.INTERNAL);
    await assertRejectsWith(
      algo.decompress(packed.subarray(0, packed.length - 4), size),
      Code.INTERNAL,
    );
  });
}

Deno.test("gzip output is a gzip stream and deflate output a zlib stream", async () => {
  const g = await gzip.compress(sample(10));
  assert.deepEqual([g[0], g[1]], [0x1f, 0x8b]);
  const d = await deflate.compress(sample(10));
  assert.equal(d[0] & 0x0f, 8); // CM = deflate
  assert.equal(((d[0] << 8) | d[1]) % 31, 0); // FCHECK
});

Deno.test("identity passes data through and checks maxSize", async () => {
  const data = sample(10);
  assert.equal(await identity.compress(data), data);
  assert.equal(await identity.decompress(data, 10), data);
  await assertRejectsWith(
    identity.decompress(data, 9),
    Code.RESOURCE_EXHAUSTED,
  );
});

Deno.test("CompressionRegistry defaults to gzip and deflate, identity implied", () => {
  const registry = new CompressionRegistry();
  assert.deepEqual(registry.names(), ["gzip", "deflate"]);
  assert.equal(registry.acceptEncoding, "gzip,deflate");
  assert.equal(registry.get("gzip"), gzip);
  assert.equal(registry.get("GZIP"), gzip);
  assert.equal(registry.get("identity"), identity);
  assert.equal(registry.get("br"), undefined);
});

Deno.test("CompressionRegistry takes its own list, identity never listed", () => {
  const snappy: Compression = {
    name: "snappy",
    compress: (d) => Promise.resolve(d),
    decompress: (d) => Promise.resolve(d),
  };
  const registry = new CompressionRegistry([snappy, identity]);
  assert.deepEqual(registry.names(), ["snappy"]);
  assert.equal(registry.acceptEncoding, "snappy");
  assert.equal(registry.get("gzip"), undefined);
  assert.equal(registry.get("identity"), identity);
  assert.equal(new CompressionRegistry([]).acceptEncoding, "");
});

Deno.test("parseAcceptEncoding() splits, trims and lowercases", () => {
  assert.deepEqual(parseAcceptEncoding(undefined), []);
  assert.deepEqual(parseAcceptEncoding(""), []);
  assert.deepEqual(parseAcceptEncoding("gzip"), ["gzip"]);
  assert.deepEqual(parseAcceptEncoding(" identity , GZIP,,deflate "), [
    "identity",
    "gzip",
    "deflate",
  ]);
  assert.deepEqual(parseAcceptEncoding("gzip;q=1, br"), ["gzip", "br"]);
});
