// gen/ is committed (so that importing this module by URL works without
// running buf). This test regenerates everything into a temporary directory
// with the pinned buf and protoc-gen-es and requires byte equality with gen/.
// If it fails, run `deno task gen` and commit the result.
//
// Needs --allow-run --allow-read --allow-write --allow-env --allow-net. It is
// skipped (visibly) only when deno cannot fetch the pinned npm packages
// because the npm registry is unreachable.
import assert from "node:assert/strict";
import { outputWithin } from "./_bounded.ts";

const ROOT = new URL("../", import.meta.url);
const ROOT_DIR = decodeURIComponent(ROOT.pathname).replace(/\/$/, "");
const BUF = "npm:@bufbuild/buf@1.74.0";
const PROTOC_GEN_ES = "npm:@bufbuild/protoc-gen-es@2.17.0";
const DENO = Deno.execPath();
/** Bound for one deno run: a cold cache downloads buf's binary first. */
const RUN_MS = 5 * 60_000;

function childEnv(): Record<string, string> {
  // buf.gen.yaml runs the plugin as `deno ...`: use this very deno.
  const dir = DENO.slice(0, DENO.lastIndexOf("/"));
  return { PATH: `${dir}:${Deno.env.get("PATH") ?? ""}`, NO_COLOR: "1" };
}

async function run(args: string[], cwd: string) {
  const out = await outputWithin(
    DENO,
    {
      args,
      cwd,
      env: childEnv(),
    },
    RUN_MS,
    `deno ${args.slice(0, 2).join(" ")}`,
  );
  const dec = new TextDecoder();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

async function registryReachable(): Promise<boolean> {
  const registry = Deno.env.get("NPM_CONFIG_REGISTRY") ??
    "https://registry.npmjs.org/";
  try {
    const res = await fetch(registry, { signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

/** undefined: packages available; otherwise why `deno cache` failed. */
async function prefetch(): Promise<string | undefined> {
  const tmp = await Deno.makeTempDir({ prefix: "gen_test_cache_" });
  try {
    const r = await run(
      ["cache", "--no-config", "--no-lock", BUF, PROTOC_GEN_ES],
      tmp,
    );
    return r.code === 0 ? undefined : r.stderr;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

const cacheError = await prefetch();
const offline = cacheError !== undefined && !(await registryReachable());
if (offline) {
  console.warn(
    `gen_test: SKIPPED, deno cannot fetch ${BUF} / ${PROTOC_GEN_ES} ` +
      `(npm registry unreachable):\n${cacheError}`,
  );
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = prefix + entry.name;
    if (entry.isDirectory) found.push(...await listFiles(dir, rel + "/"));
    else found.push(rel);
  }
  return found.sort();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

Deno.test({
  name: offline
    ? "gen/ is up to date [SKIPPED: npm registry unreachable, cannot fetch buf / protoc-gen-es]"
    : "gen/ is up to date (buf generate into a temp dir == committed gen/)",
  ignore: offline,
  async fn() {
    assert.equal(cacheError, undefined, `deno cache failed:\n${cacheError}`);
    // cwd is a temp dir without deno.json, so neither buf nor the plugin
    // touches the repository (no deno.lock update, no write into gen/).
    const tmp = await Deno.makeTempDir({ prefix: "gen_test_" });
    try {
      const r = await run([
        "run",
        "-A",
        "--no-config",
        "--no-lock",
        BUF,
        "generate",
        ROOT_DIR,
        "--template",
        `${ROOT_DIR}/buf.gen.yaml`,
        "--output",
        tmp,
      ], tmp);
      assert.equal(r.code, 0, `buf generate failed:\n${r.stdout}${r.stderr}`);

      const fresh = `${tmp}/gen`;
      const committed = `${ROOT_DIR}/gen`;
      const freshFiles = await listFiles(fresh);
      assert.ok(freshFiles.length > 0, "buf generated nothing");
      assert.deepEqual(
        await listFiles(committed),
        freshFiles,
        "the file set of gen/ is stale: run `deno task gen`",
      );
      const stale: string[] = [];
      for (const f of freshFiles) {
        const a = await Deno.readFile(`${fresh}/${f}`);
        const b = await Deno.readFile(`${committed}/${f}`);
        if (!sameBytes(a, b)) stale.push(`gen/${f}`);
      }
      assert.deepEqual(stale, [], "stale generated code: run `deno task gen`");
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
