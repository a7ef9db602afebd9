// Importing the module by URL must work with no deno.json, no import map and
// no lock file on the importer's side: serve the repository over HTTP on
// 127.0.0.1 and run a script that imports mod.ts and a generated file.
import assert from "node:assert/strict";
import { outputWithin, PROCESS_MS, WAIT_MS, within } from "./_bounded.ts";

const ROOT = new URL("../", import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".mts": "application/typescript; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

function serveRepo(requested: string[]) {
  return Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    requested.push(path);
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed", { status: 405 });
    }
    if (path.split("/").some((s) => s === ".." || s.startsWith("."))) {
      return new Response("not found", { status: 404 });
    }
    const ext = path.slice(path.lastIndexOf("."));
    const type = CONTENT_TYPES[ext];
    const file = new URL("." + path, ROOT);
    if (!type || !file.href.startsWith(ROOT.href)) {
      return new Response("not found", { status: 404 });
    }
    try {
      const body = await Deno.readFile(file);
      return new Response(req.method === "HEAD" ? null : body, {
        headers: { "content-type": type },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

Deno.test("mod.ts and gen/ can be imported by URL without deno.json", async () => {
  const requested: string[] = [];
  const server = serveRepo(requested);
  const tmp = await Deno.makeTempDir({ prefix: "import_by_url_" });
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    const base = `http://${host}`;
    await Deno.writeTextFile(
      `${tmp}/main.ts`,
      [
        `import * as mod from "${base}/mod.ts";`,
        `import { Greeter, HelloRequestSchema } from "${base}/gen/helloworld/helloworld_pb.ts";`,
        `console.log("mod:", typeof mod);`,
        `console.log("service:", Greeter.typeName);`,
        `console.log("method:", Greeter.method.sayHello.name);`,
        `console.log("message:", HelloRequestSchema.typeName);`,
        "",
      ].join("\n"),
    );
    const out = await outputWithin(
      Deno.execPath(),
      {
        args: [
          "run",
          "--no-config",
          "--no-lock",
          `--reload=${base}/`,
          `--allow-import=${host}`,
          "main.ts",
        ],
        cwd: tmp,
        env: { NO_COLOR: "1" },
      },
      PROCESS_MS,
      "deno run main.ts (imports by URL)",
    );
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `deno run failed:\n${stdout}${stderr}`);
    assert.deepEqual(stdout.trim().split("\n"), [
      "mod: object",
      "service: helloworld.Greeter",
      "method: SayHello",
      "message: helloworld.HelloRequest",
    ]);
    // The modules really came from the server, not from a cache.
    assert.ok(requested.includes("/mod.ts"), `requested: ${requested}`);
    assert.ok(
      requested.includes("/gen/helloworld/helloworld_pb.ts"),
      `requested: ${requested}`,
    );
  } finally {
    await within(server.shutdown(), WAIT_MS, "the HTTP server's shutdown");
    await Deno.remove(tmp, { recursive: true });
  }
});
