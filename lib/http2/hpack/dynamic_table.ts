/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4).
 *
 * @module
 */

import type { HeaderField } from "./header_field.ts";

/**
 * The overhead counted for every entry on top of its name and value octets
 * (RFC 7541 §4.1), an estimate of per-entry bookkeeping.
 *
 * @example Size of an entry
 * ```ts
 * import { ENTRY_OVERHEAD } from "./dynamic_table.ts";
 *
 * console.log(":authority".length + "www.example.com".length + ENTRY_OVERHEAD); // 57
 * ```
 */
export const ENTRY_OVERHEAD = 32;

/**
 * Options of a {@link DynamicTable}.
 *
 * @example An encoder's table
 * ```ts
 * import { DynamicTable, type DynamicTableOptions } from "./dynamic_table.ts";
 *
 * const options: DynamicTableOptions = { maxSize: 4096, lookups: true };
 * console.log(new DynamicTable(options).maxSize); // 4096
 * ```
 */
export interface DynamicTableOptions {
  /** The initial maximum size in octets (RFC 7541 §4.2). Default 4096. */
  maxSize?: number;
  /**
   * Keep maps from name and from (name, value) to entries, for an encoder's
   * lookups. A decoder only reads by index and leaves this off. Default false.
   */
  lookups?: boolean;
}

/**
 * A FIFO of header fields bounded by size (RFC 7541 §2.3.2): new entries go
 * in front (index 1), the oldest are evicted from the back (§4.4).
 *
 * Entries live in a ring buffer. Each gets an absolute insertion number, so
 * its current index is `inserted - number` without renumbering anything, and
 * the lookup maps can store numbers that stay valid as the table shifts;
 * eviction is O(1).
 *
 * @example Adding and evicting
 * ```ts
 * import { DynamicTable } from "./dynamic_table.ts";
 *
 * const table = new DynamicTable({ maxSize: 100 });
 * table.add("custom-key", "custom-header"); // 55 octets
 * table.add("custom-key", "custom-header2"); // 56: evicts the first
 * console.log(table.length, table.size); // 1 56
 * ```
 */
export class DynamicTable {
  #names: string[];
  #values: string[];
  #mask: number;
  #head = 0; // ring position of the oldest entry
  #count = 0;
  #size = 0;
  #maxSize: number;
  #inserted = 0; // entries ever added; the newest has number #inserted - 1
  #version = 0;
  #byName: Map<string, number> | undefined;
  #byField: Map<string, Map<string, number>> | undefined;

  /**
   * Creates an empty table.
   *
   * @param options The maximum size and whether to keep lookup maps.
   */
  constructor(options: DynamicTableOptions = {}) {
    this.#maxSize = checkSize(options.maxSize ?? 4096);
    this.#names = new Array<string>(16).fill("");
    this.#values = new Array<string>(16).fill("");
    this.#mask = 15;
    if (options.lookups === true) {
      this.#byName = new Map();
      this.#byField = new Map();
    }
  }

  /** The number of entries. */
  get length(): number {
    return this.#count;
  }

  /** The current size in octets: Σ(name + value + 32) (RFC 7541 §4.1). */
  get size(): number {
    return this.#size;
  }

  /** The maximum size in octets (RFC 7541 §4.2). */
  get maxSize(): number {
    return this.#maxSize;
  }

  /**
   * Changes whenever the table does (insertion, eviction, new maximum): a
   * block encoded or decoded at one version means the same at that version.
   */
  get version(): number {
    return this.#version;
  }

  /**
   * Changes the maximum size, evicting the oldest entries until the table
   * fits (RFC 7541 §4.3).
   *
   * @param maxSize The new maximum in octets.
   */
  setMaxSize(maxSize: number): void {
    this.#maxSize = checkSize(maxSize);
    this.#version++;
    while (this.#size > maxSize) this.#evict();
  }

  /**
   * Inserts a field at index 1, first evicting as many of the oldest entries
   * as needed (RFC 7541 §4.4). An entry larger than the maximum size empties
   * the table and is not added; that is not an error.
   *
   * @param name The field name.
   * @param value The field value.
   */
  add(name: string, value: string): void {
    this.#version++;
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.#maxSize) {
      while (this.#count > 0) this.#evict();
      return;
    }
    while (this.#size + entrySize > this.#maxSize) this.#evict();
    if (this.#count === this.#names.length) this.#grow();
    const slot = (this.#head + this.#count) & this.#mask;
    this.#names[slot] = name;
    this.#values[slot] = value;
    this.#count++;
    this.#size += entrySize;
    const number = this.#inserted++;
    if (this.#byName !== undefined && this.#byField !== undefined) {
      this.#byName.set(name, number);
      let values = this.#byField.get(name);
      if (values === undefined) this.#byField.set(name, values = new Map());
      values.set(value, number);
    }
  }

  /**
   * The name of the entry at `index` (1 = newest). The caller checks
   * `1 <= index <= length`.
   *
   * @param index The 1-based dynamic index.
   * @returns The entry's name.
   */
  nameAt(index: number): string {
    return this.#names[(this.#head + this.#count - index) & this.#mask];
  }

  /**
   * The value of the entry at `index` (1 = newest). The caller checks
   * `1 <= index <= length`.
   *
   * @param index The 1-based dynamic index.
   * @returns The entry's value.
   */
  valueAt(index: number): string {
    return this.#values[(this.#head + this.#count - index) & this.#mask];
  }

  /**
   * The index (1 = newest) of the newest entry equal to (`name`, `value`), or
   * 0. Needs `lookups: true`.
   *
   * @param name The field name.
   * @param value The field value.
   * @returns The 1-based dynamic index, or 0.
   */
  findField(name: string, value: string): number {
    const number = this.#byField?.get(name)?.get(value);
    return number === undefined ? 0 : this.#inserted - number;
  }

  /**
   * The index (1 = newest) of the newest entry named `name`, or 0. Needs
   * `lookups: true`.
   *
   * @param name The field name.
   * @returns The 1-based dynamic index, or 0.
   */
  findName(name: string): number {
    const number = this.#byName?.get(name);
    return number === undefined ? 0 : this.#inserted - number;
  }

  /**
   * A copy of the entries, newest first, as the RFC 7541 Appendix C examples
   * list them.
   *
   * @returns The entries.
   */
  entries(): HeaderField[] {
    const out: HeaderField[] = [];
    for (let i = 1; i <= this.#count; i++) {
      out.push([this.nameAt(i), this.valueAt(i)]);
    }
    return out;
  }

  #evict(): void {
    const slot = this.#head;
    const name = this.#names[slot];
    const value = this.#values[slot];
    const number = this.#inserted - this.#count;
    this.#size -= name.length + value.length + ENTRY_OVERHEAD;
    // Drop references so evicted strings can be collected.
    this.#names[slot] = "";
    this.#values[slot] = "";
    this.#head = (slot + 1) & this.#mask;
    this.#count--;
    if (this.#byName !== undefined && this.#byField !== undefined) {
      // Only forget the entry if the maps still point at it; a newer entry
      // with the same name or field has replaced it otherwise. Being the
      // oldest, no older duplicate can remain behind it.
      if (this.#byName.get(name) === number) this.#byName.delete(name);
      const values = this.#byField.get(name);
      if (values !== undefined && values.get(value) === number) {
        values.delete(value);
        if (values.size === 0) this.#byField.delete(name);
      }
    }
  }

  #grow(): void {
    const capacity = this.#names.length * 2;
    const names = new Array<string>(capacity).fill("");
    const values = new Array<string>(capacity).fill("");
    for (let i = 0; i < this.#count; i++) {
      const slot = (this.#head + i) & this.#mask;
      names[i] = this.#names[slot];
      values[i] = this.#values[slot];
    }
    this.#names = names;
    this.#values = values;
    this.#mask = capacity - 1;
    this.#head = 0;
  }
}

function checkSize(size: number): number {
  if (!(Number.isInteger(size) && size >= 0 && size <= 0xffff_ffff)) {
    throw new RangeError(`invalid HPACK table size: ${size}`);
  }
  return size;
}
