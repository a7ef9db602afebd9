import assert from "node:assert/strict";
import { ReadCredit } from "../../lib/grpc/read_credit.ts";

function counter(): { returned: number[]; consume: (n: number) => void } {
  const returned: number[] = [];
  return { returned, consume: (n) => void returned.push(n) };
}

Deno.test("ReadCredit returns credit at once while nothing waits unread", () => {
  const target = counter();
  const credit = new ReadCredit(target);
  credit.received(100);
  credit.delivered();
  credit.taken(); // taken before more arrived
  credit.received(20);
  assert.deepEqual(target.returned, [100, 20]);
});

Deno.test("ReadCredit holds credit while messages wait and returns it in one piece once the reader caught up", () => {
  const target = counter();
  const credit = new ReadCredit(target);
  credit.delivered();
  credit.delivered();
  credit.received(30);
  credit.received(40);
  credit.taken();
  assert.deepEqual(target.returned, []); // one still waits
  credit.taken();
  assert.deepEqual(target.returned, [70]);
  credit.delivered();
  credit.taken(); // nothing held: nothing to return
  assert.deepEqual(target.returned, [70]);
});
