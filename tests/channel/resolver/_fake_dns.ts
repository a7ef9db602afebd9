/**
 * A fake DNS for resolver tests: answers from a table, or holds a query
 * until the test releases it.
 *
 * @module
 */

import type {
  DnsLookup,
  DnsLookupOptions,
} from "../../../lib/channel/resolver/dns_lookup.ts";
import { type Deferred, deferred } from "../../../lib/util/deferred.ts";

/** An answer: records, an error to reject with, or "hold" (the test settles it). */
export type Answer = string[] | Error | "hold";

/** One query the resolver made. */
export interface Query {
  readonly name: string;
  readonly type: "A" | "AAAA" | "TXT";
  readonly options: DnsLookupOptions;
  readonly answer: Deferred<string[]>;
}

/** The fake. `table` keys are "name TYPE"; a missing key is NotFound. */
export class FakeDns {
  table: Record<string, Answer>;
  readonly queries: Query[] = [];

  constructor(table: Record<string, Answer> = {}) {
    this.table = table;
  }

  /** The lookup to inject. */
  readonly lookup: DnsLookup = (name, type, options) => {
    const answer = deferred<string[]>();
    this.queries.push({ name, type, options, answer });
    const entry = this.table[`${name} ${type}`] ??
      new Deno.errors.NotFound(`no ${type} records for ${name}`);
    if (entry instanceof Error) answer.reject(entry);
    else if (entry !== "hold") answer.resolve(entry);
    return answer.promise;
  };

  /** How many address lookups ran (one A query each). */
  get lookups(): number {
    return this.queries.filter((q) => q.type === "A").length;
  }

  /** The queries still held. */
  get held(): Query[] {
    return this.queries.filter((q) => !q.answer.settled);
  }
}
