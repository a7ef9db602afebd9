import assert from "node:assert/strict";
import { UnixResolverBuilder } from "../../../lib/channel/resolver/unix.ts";
import { parseTarget } from "../../../lib/channel/target.ts";
import { options, recorder, settle } from "./_record.ts";
import { WAIT_MS, within } from "../../_bounded.ts";

async function pathOf(builder: UnixResolverBuilder, target: string) {
  const r = recorder();
  builder.build(parseTarget(target), r.listener, options());
  await settle();
  assert.equal(r.updates.length, 1);
  const [endpoint] = r.updates[0].endpoints;
  assert.equal(endpoint.addresses.length, 1);
  const [address] = endpoint.addresses;
  assert.equal(address.kind, "unix");
  return address.kind === "unix" ? address.path : "";
}

Deno.test("unix: takes relative, /absolute and ///absolute paths", async () => {
  const unix = new UnixResolverBuilder();
  assert.equal(await pathOf(unix, "unix:rel/s.sock"), "rel/s.sock");
  assert.equal(await pathOf(unix, "unix:/tmp/s.sock"), "/tmp/s.sock");
  assert.equal(await pathOf(unix, "unix:///tmp/s.sock"), "/tmp/s.sock");
});

Deno.test("unix: rejects an authority and an empty path", () => {
  const unix = new UnixResolverBuilder();
  for (
    const [target, message] of [
      ["unix://host/tmp/s.sock", /no authority/],
      ["unix:", /missing socket path/],
    ] as const
  ) {
    assert.throws(
      () => unix.build(parseTarget(target), recorder().listener, options()),
      (e: unknown) => e instanceof TypeError && message.test(e.message),
      target,
    );
  }
});

Deno.test("unix-abstract: prefixes the name with NUL", async () => {
  const abstract = new UnixResolverBuilder(true, "linux");
  assert.equal(abstract.scheme, "unix-abstract");
  assert.equal(
    await pathOf(abstract, "unix-abstract:my-socket"),
    "\0my-socket",
  );
});

Deno.test("unix-abstract: rejects NUL in the name and any OS but Linux", () => {
  assert.throws(
    () =>
      new UnixResolverBuilder(true, "linux").build(
        parseTarget("unix-abstract:a\0b"),
        recorder().listener,
        options(),
      ),
    /cannot contain NUL/,
  );
  assert.throws(
    () =>
      new UnixResolverBuilder(true, "darwin").build(
        parseTarget("unix-abstract:name"),
        recorder().listener,
        options(),
      ),
    /Linux only, not on darwin/,
  );
});

Deno.test({
  name:
    "unix-abstract: the resolved path reaches a Deno listener in the abstract namespace",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const name = `denogrpc-test-${crypto.randomUUID()}`;
    const path = await pathOf(
      new UnixResolverBuilder(true),
      `unix-abstract:${name}`,
    );
    using listener = Deno.listen({ transport: "unix", path });
    const accepted = listener.accept();
    using client = await within(
      Deno.connect({ transport: "unix", path }),
      WAIT_MS,
      "connect",
    );
    using server = await within(accepted, WAIT_MS, "accept");
    await server.write(new Uint8Array([7]));
    const byte = new Uint8Array(1);
    assert.equal(await within(client.read(byte), WAIT_MS, "read"), 1);
    assert.equal(byte[0], 7);
  },
});
