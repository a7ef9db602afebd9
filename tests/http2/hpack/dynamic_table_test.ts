import assert from "node:assert/strict";
import { DynamicTable } from "../../../lib/http2/hpack/dynamic_table.ts";

Deno.test("DynamicTable counts 32 octets of overhead per entry (RFC 7541 §4.1)", () => {
  const table = new DynamicTable();
  table.add("custom-key", "custom-header");
  assert.equal(table.size, 55);
  assert.equal(table.length, 1);
});

Deno.test("DynamicTable puts new entries at index 1 and evicts the oldest first", () => {
  const table = new DynamicTable({ maxSize: 3 * 34 });
  table.add("a", "1");
  table.add("b", "2");
  table.add("c", "3");
  assert.deepEqual(table.entries(), [["c", "3"], ["b", "2"], ["a", "1"]]);
  table.add("d", "4");
  assert.deepEqual(table.entries(), [["d", "4"], ["c", "3"], ["b", "2"]]);
  assert.equal(table.nameAt(1), "d");
  assert.equal(table.valueAt(3), "2");
});

Deno.test("DynamicTable empties itself for an entry larger than the maximum (RFC 7541 §4.4)", () => {
  const table = new DynamicTable({ maxSize: 64 });
  table.add("a", "1");
  table.add("big", "x".repeat(40));
  assert.equal(table.length, 0);
  assert.equal(table.size, 0);
});

Deno.test("DynamicTable.setMaxSize() evicts until the table fits (RFC 7541 §4.3)", () => {
  const table = new DynamicTable();
  for (let i = 0; i < 10; i++) table.add("n", String(i));
  table.setMaxSize(34 * 3);
  assert.deepEqual(table.entries(), [["n", "9"], ["n", "8"], ["n", "7"]]);
  table.setMaxSize(0);
  assert.equal(table.length, 0);
});

Deno.test("DynamicTable lookups find the newest match and forget evicted entries", () => {
  const table = new DynamicTable({ maxSize: 4 * 34, lookups: true });
  table.add("a", "1");
  table.add("b", "2");
  table.add("a", "3");
  assert.equal(table.findField("a", "1"), 3);
  assert.equal(table.findField("a", "3"), 1);
  assert.equal(table.findName("a"), 1);
  assert.equal(table.findName("b"), 2);
  assert.equal(table.findField("b", "9"), 0);
  table.add("c", "4");
  table.add("d", "5"); // evicts a: 1
  assert.equal(table.findField("a", "1"), 0);
  assert.equal(table.findName("a"), 3);
  table.add("e", "6"); // evicts b: 2
  assert.equal(table.findName("b"), 0);
  assert.equal(table.findField("b", "2"), 0);
});

Deno.test("DynamicTable keeps indexes right as its ring buffer wraps and grows", () => {
  const entry = 2 + 1 + 32;
  const table = new DynamicTable({ maxSize: 40 * entry, lookups: true });
  const expected: [string, string][] = [];
  for (let i = 0; i < 500; i++) {
    const name = `n${i % 7}`;
    const value = String(i % 10);
    table.add(name, value);
    expected.unshift([name, value]);
    while (expected.length * entry > 40 * entry) expected.pop();
    if (i % 50 === 0) table.setMaxSize(40 * entry);
    assert.equal(table.length, expected.length);
  }
  assert.deepEqual(table.entries(), expected);
  for (let i = 1; i <= expected.length; i++) {
    const [name, value] = expected[i - 1];
    assert.equal(
      table.findField(name, value),
      expected.findIndex(([n, v]) => n === name && v === value) + 1,
    );
  }
});

Deno.test("DynamicTable rejects a negative or fractional maximum size", () => {
  assert.throws(() => new DynamicTable({ maxSize: -1 }), RangeError);
  assert.throws(() => new DynamicTable().setMaxSize(1.5), RangeError);
});
