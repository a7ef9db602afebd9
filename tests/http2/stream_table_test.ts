import assert from "node:assert/strict";
import { StreamTable } from "../../lib/http2/stream_table.ts";

Deno.test("StreamTable finds, removes and counts streams", () => {
  const table = new StreamTable<{ id: number }>();
  table.add({ id: 1 });
  table.add({ id: 3 });
  assert.equal(table.size, 2);
  assert.equal(table.get(3)?.id, 3);
  assert.equal(table.get(5), undefined);
  assert.equal(table.delete(5), false);
  assert.equal(table.delete(1), true);
  assert.equal(table.delete(1), false);
  assert.equal(table.get(1), undefined);
  assert.equal(table.size, 1);
});

Deno.test("StreamTable keeps a long-lived stream whose slot newer ids reuse", () => {
  const table = new StreamTable<{ id: number }>();
  const old = { id: 1 };
  table.add(old);
  // Thousands of short streams come and go; several map to id 1's slot.
  for (let id = 3; id < 20_000; id += 2) {
    table.add({ id });
    assert.equal(table.get(id)?.id, id);
    assert.equal(table.get(1), old);
    assert.ok(table.delete(id));
  }
  assert.equal(table.size, 1);
  assert.deepEqual(table.values(), [old]);
});

Deno.test("StreamTable grows to 10,000 open streams and lists them all", () => {
  const table = new StreamTable<{ id: number }>();
  for (let id = 2; id <= 20_000; id += 2) table.add({ id });
  assert.equal(table.size, 10_000);
  for (let id = 2; id <= 20_000; id += 2) assert.equal(table.get(id)?.id, id);
  const ids = table.values().map((s) => s.id).sort((a, b) => a - b);
  assert.equal(ids.length, 10_000);
  assert.equal(ids[0], 2);
  assert.equal(ids[9_999], 20_000);
  // values() is a snapshot: deleting while walking it is safe.
  for (const s of table.values()) table.delete(s.id);
  assert.equal(table.size, 0);
});
