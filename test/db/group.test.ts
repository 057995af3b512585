import { describe, expect, it } from 'vitest';
import { grouped } from '../../src/db/group.js';

/**
 * src/db/group.ts: concurrent callers' work goes out as one statement per
 * group (whatever arrived while the previous one was in flight), each caller
 * gets its own answer, and a failing group is retried member by member.
 * `many` here stands for the statement; the QC statements themselves are
 * tested against PostgreSQL in test/qc/statement-groups.test.ts.
 */

function recorder(fail: (x: number) => Error | undefined = () => undefined) {
  const groups: number[][] = [];
  const many = async (xs: readonly number[]) => {
    groups.push([...xs]);
    await new Promise((r) => setImmediate(r));
    for (const x of xs) {
      const err = fail(x);
      if (err) throw err;
    }
    return xs.map((x) => x * 10);
  };
  return { groups, many };
}

describe('grouped statements', () => {
  it('sends a lone call at once, and the calls made meanwhile as one group', async () => {
    const r = recorder();
    const send = grouped({ many: r.many });
    expect(await send(1)).toBe(10);
    expect(r.groups).toEqual([[1]]);
    const r2 = recorder();
    const send2 = grouped({ many: r2.many });
    const out = await Promise.all([2, 3, 4, 5].map((x) => send2(x)));
    expect(out).toEqual([20, 30, 40, 50]);
    // The first goes alone (nothing in flight); the three that waited for it go together.
    expect(r2.groups).toEqual([[2], [3, 4, 5]]);
  });

  it('never puts two members with the same key in one group, and keeps their order', async () => {
    const r = recorder();
    const send = grouped({ many: r.many, key: (x) => x % 3 });
    await Promise.all([0, 1, 3, 4, 6].map((x) => send(x)));
    expect(r.groups).toEqual([[0], [1, 3], [4, 6]]);
  });

  it('caps a group at maxGroup members', async () => {
    const r = recorder();
    const send = grouped({ many: r.many, maxGroup: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((x) => send(x)));
    expect(r.groups).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('fails only the member that fails: the group is sent again one by one', async () => {
    const r = recorder((x) => (x === 4 ? new Error('bad member 4') : undefined));
    const send = grouped({ many: r.many });
    const out = await Promise.allSettled([1, 2, 3, 4, 5].map((x) => send(x)));
    expect(
      out.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message)),
    ).toEqual([10, 20, 30, 'bad member 4', 50]);
    expect(r.groups).toEqual([[1], [2, 3, 4, 5], [2], [3], [4], [5]]);
  });

  it('gives every member the error at once when the database is unreachable', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const r = recorder(() => down);
    const send = grouped({ many: r.many });
    const out = await Promise.allSettled([1, 2, 3].map((x) => send(x)));
    expect(out.every((o) => o.status === 'rejected' && o.reason === down)).toBe(true);
    // No member-by-member retry against a server that is not there.
    expect(r.groups).toEqual([[1], [2, 3]]);
  });
  it('stops resending a failed group member by member once the database goes away', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    let gone = false;
    // The group of 2..5 fails for another reason (say a statement timeout); then the server is gone.
    const r = recorder((x) => {
      if (gone) return down;
      if (x === 5) {
        gone = true;
        return new Error('canceling statement due to statement timeout');
      }
      return undefined;
    });
    const send = grouped({ many: r.many });
    const out = await Promise.allSettled([1, 2, 3, 4, 5].map((x) => send(x)));
    expect(out[0]).toEqual({ status: 'fulfilled', value: 10 });
    expect(out.slice(1).every((o) => o.status === 'rejected' && o.reason === down)).toBe(true);
    // Member 2 alone meets the outage; 3, 4 and 5 are not each sent to wait out their own timeout.
    expect(r.groups).toEqual([[1], [2, 3, 4, 5], [2]]);
  });
  it('with two groups in flight, a member waits for a group in flight that holds its key', async () => {
    const started: number[][] = [];
    const finish: (() => void)[] = [];
    const many = (xs: readonly number[]) => {
      started.push([...xs]);
      return new Promise<number[]>((resolve) => finish.push(() => resolve(xs.map((x) => x * 10))));
    };
    const send = grouped({ many, key: (x) => x % 10, maxInFlight: 2 });
    const out = Promise.all([1, 2, 11, 3].map((x) => send(x)));
    const settle = () => new Promise((r) => setImmediate(r));
    // 1 and 2 each go alone, two in flight; 11 and 3 wait for room.
    expect(started).toEqual([[1], [2]]);
    finish[1]?.();
    await settle();
    // Room for one: 3 goes, 11 (key 1, like 1 still in flight) keeps waiting though it came first.
    expect(started).toEqual([[1], [2], [3]]);
    finish[0]?.();
    await settle();
    expect(started).toEqual([[1], [2], [3], [11]]);
    finish[2]?.();
    finish[3]?.();
    expect(await out).toEqual([10, 20, 110, 30]);
  });
});
