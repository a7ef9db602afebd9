/**
 * The example programs' command lines: `examples/_flags.ts` itself, then the
 * programs run as users run them (`deno run … --help`, `--port 0`, both
 * value forms), as child processes with bounded waits, stopped by PID.
 */
import assert from "node:assert/strict";
import { FlagError, parseFlags, parsePort } from "../examples/_flags.ts";
import { outputWithin, PROCESS_MS, WAIT_MS, within } from "./_bounded.ts";

const EXAMPLES = new URL("../examples/", import.meta.url).pathname;

const SPEC = {
  usage: "usage",
  string: ["port", "name"],
  boolean: ["json"],
};

Deno.test("parseFlags() takes --flag value and --flag=value", () => {
  const a = parseFlags(["--port", "1", "--name=x y"], SPEC);
  assert.equal(a.values.get("port"), "1");
  assert.equal(a.values.get("name"), "x y");
  // A value may start with "--" when it follows its flag.
  const b = parseFlags(["--name", "--json"], SPEC);
  assert.equal(b.values.get("name"), "--json");
  assert.equal(b.switches.has("json"), false);
});

Deno.test("parseFlags() reads switches as --json, --json=false and --json false", () => {
  assert.ok(parseFlags(["--json"], SPEC).switches.has("json"));
  assert.ok(parseFlags(["--json=true"], SPEC).switches.has("json"));
  assert.ok(!parseFlags(["--json=false"], SPEC).switches.has("json"));
  const spaced = parseFlags(["--json", "false", "7"], SPEC);
  assert.ok(!spaced.switches.has("json"));
  assert.deepEqual(spaced.positional, ["7"]);
  assert.throws(() => parseFlags(["--json=yes"], SPEC), FlagError);
});

Deno.test("parseFlags() keeps positional arguments, -h/--help and everything after --", () => {
  const flags = parseFlags(["50051", "-h", "me", "--", "--port"], SPEC);
  assert.deepEqual(flags.positional, ["50051", "me", "--port"]);
  assert.equal(flags.help, true);
  assert.equal(flags.values.size, 0);
  assert.equal(parseFlags(["--help"], SPEC).help, true);
});

Deno.test("parseFlags() rejects unknown flags and a missing value", () => {
  assert.throws(() => parseFlags(["--prot", "1"], SPEC), /unknown flag --prot/);
  assert.throws(() => parseFlags(["--port"], SPEC), /--port needs a value/);
});

Deno.test("parsePort() accepts 0-65535 only", () => {
  assert.equal(parsePort("0", "--port"), 0);
  assert.equal(parsePort("65535", "--port"), 65535);
  assert.equal(parsePort(undefined, "--port", 50051), 50051);
  for (const bad of ["", "x", "-1", "1.5", "65536", "1e3", " 1"]) {
    assert.throws(() => parsePort(bad, "--port"), FlagError, bad);
  }
  assert.throws(() => parsePort(undefined, "--port"), FlagError);
});

/** Runs `deno run --allow-net examples/<file> ...args` to its end. */
async function run(
  file: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await outputWithin(
    Deno.execPath(),
    {
      args: ["run", "--allow-net", `${EXAMPLES}${file}`, ...args],
      env: { NO_COLOR: "1" },
    },
    PROCESS_MS,
    `deno run ${file} ${args.join(" ")}`,
  );
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** A long-running example program, stopped by its PID. */
interface Running {
  /** The first match of `ready` in its output. */
  match: RegExpExecArray;
  /** Kills it (SIGTERM, then SIGKILL) and waits for its exit. */
  stop(): Promise<void>;
}

/**
 * Starts `deno run --allow-net examples/<file> ...args` and waits (bounded)
 * until its stdout matches `ready`.
 */
async function start(
  file: string,
  args: string[],
  ready: RegExp,
): Promise<Running> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", `${EXAMPLES}${file}`, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    const status = within(child.status, WAIT_MS, `${file} exit after SIGTERM`)
      .catch(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // Gone in between.
        }
        return within(child.status, WAIT_MS, `${file} exit after SIGKILL`);
      });
    await reader.cancel().catch(() => {});
    await status;
    await within(stderr, WAIT_MS, `${file} stderr`);
  };
  let seen = "";
  const read = async (): Promise<RegExpExecArray> => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) {
        throw new Error(`${file} exited before ${ready}:\n${seen}`);
      }
      seen += value;
      const match = ready.exec(seen);
      if (match) return match;
    }
  };
  try {
    return {
      match: await within(read(), PROCESS_MS, `${file}: ${ready}`),
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${error}\n${await stderr}`);
  }
}

for (
  const file of [
    "helloworld/server.ts",
    "helloworld/client.ts",
    "helloworld/demo.ts",
    "interop/server.ts",
    "interop/client.ts",
  ]
) {
  Deno.test(`examples/${file} --help prints its usage and exits 0`, async () => {
    const { code, stdout } = await run(file, ["--help"]);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^Usage: deno task /);
    assert.match(stdout, /--help/);
  });
}

Deno.test("examples/helloworld: a bad port or an unknown flag exits 2 with the usage", async () => {
  const bad = await run("helloworld/server.ts", ["--port", "x"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--port: expected a port number \(0-65535\), got "x"/,
  );
  assert.match(bad.stderr, /Usage: deno task greeter:server/);
  const unknown = await run("helloworld/client.ts", ["--prot", "1"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown flag --prot/);
});

Deno.test("examples/helloworld: server --port 0, client --port N --name and positional [PORT] [NAME]", async () => {
  const server = await start(
    "helloworld/server.ts",
    ["--port", "0"],
    /Greeter listening on 127\.0\.0\.1:(\d+)\n/,
  );
  try {
    const port = server.match[1];
    const flags = await run("helloworld/client.ts", [
      "--port",
      port,
      "--name=flags",
    ]);
    assert.equal(flags.stdout, "Greeting: Hello flags\n", flags.stderr);
    const positional = await run("helloworld/client.ts", [port, "positional"]);
    assert.equal(positional.stdout, "Greeting: Hello positional\n");
    const target = await run("helloworld/client.ts", [
      "--target",
      `127.0.0.1:${port}`,
    ]);
    assert.equal(target.stdout, "Greeting: Hello world\n");
  } finally {
    await server.stop();
  }
});

Deno.test("examples/helloworld/demo.ts --name greets once and exits 0", async () => {
  const { code, stdout, stderr } = await run("helloworld/demo.ts", [
    "--name",
    "demo",
  ]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "Greeting: Hello demo\n");
});

Deno.test("examples/interop: server --port 0, client with space-separated flags", async () => {
  const server = await start(
    "interop/server.ts",
    ["--port", "0", "--use_tls", "false"],
    /READY (\d+)\n/,
  );
  try {
    const { code, stdout, stderr } = await run("interop/client.ts", [
      "--server_host",
      "127.0.0.1",
      "--server_port",
      server.match[1],
      "--test_case",
      "empty_unary,large_unary",
    ]);
    assert.equal(code, 0, stdout + stderr);
    assert.match(stdout, /PASS empty_unary\nPASS large_unary\n2\/2 passed/);
  } finally {
    await server.stop();
  }
});
