import assert from "node:assert/strict";
import { IdMemory } from "../../lib/http2/id_memory.ts";

Deno.test("IdMemory forgets the oldest id once full and ignores a repeat of the last", () => {
  const ids = new IdMemory(3);
  for (const id of [1, 3, 5, 5]) ids.add(id);
  assert.ok(ids.has(1) && ids.has(3) && ids.has(5));
  ids.add(7);
  assert.equal(ids.has(1), false);
  assert.ok(ids.has(3) && ids.has(5) && ids.has(7));
  for (let id = 9; id < 10_000; id += 2) ids.add(id);
  assert.ok(ids.has(9995) && ids.has(9997) && ids.has(9999));
  assert.equal(ids.has(9993), false);
});
