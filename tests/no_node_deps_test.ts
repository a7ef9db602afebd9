import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const ALLOWED_NPM = /^npm:@bufbuild\/protobuf@\d+\.\d+\.\d+(\/[\w/]+)?$/;

async function* sourceFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sourceFiles(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

function specifiers(text: string): string[] {
  // Comments may quote imports (protoc-gen-es copies proto comments).
  const source = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(
    /^\s*\/\/.*$/gm,
    "",
  );
  const found: string[] = [];
  const re =
    /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|import\s+["']([^"']+)["']/g;
  for (const m of source.matchAll(re)) found.push(m[1] ?? m[2] ?? m[3]);
  return found;
}

Deno.test("lib/, gen/ and mod.ts import no node: module and no npm package but @bufbuild/protobuf", async () => {
  const files: URL[] = [new URL("mod.ts", ROOT)];
  for (const dir of ["lib/", "gen/"]) {
    for await (const f of sourceFiles(new URL(dir, ROOT))) files.push(f);
  }
  const bad: string[] = [];
  for (const file of files) {
    for (const spec of specifiers(await Deno.readTextFile(file))) {
      if (spec.startsWith("node:")) bad.push(`${file.pathname}: ${spec}`);
      else if (spec.startsWith("npm:") && !ALLOWED_NPM.test(spec)) {
        bad.push(`${file.pathname}: ${spec}`);
      } else if (!/^(\.|\/|npm:|https?:)/.test(spec)) {
        // A bare specifier needs an import map, which importers by URL lack.
        bad.push(`${file.pathname}: bare specifier ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("the import scanner sees node: and bare specifiers", () => {
  const found = specifiers(
    `import x from "node:fs";\nexport { y } from "npm:left-pad@1.0.0";\nimport "zod";\nconst m = await import("./a.ts");`,
  );
  assert.deepEqual(found, ["node:fs", "npm:left-pad@1.0.0", "zod", "./a.ts"]);
});
