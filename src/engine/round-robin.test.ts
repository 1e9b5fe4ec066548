import { describe, expect, it } from 'vitest';
import { RoundRobin } from './round-robin.js';

const tasks = (...ids: number[]) => ids.map((id) => ({ id }));

describe('round-robin between tenants', () => {
  it('serves a, b, a when a, b, a were queued on two tenants, one at a time', () => {
    const rr = new RoundRobin();
    const queue = new Map([['a', tasks(1, 3)], ['b', tasks(2)]]);
    const order: number[] = [];
    for (;;) {
      const [next] = rr.pick(queue, 1);
      if (!next) break;
      order.push(next.task.id);
      queue.set(next.tenant, queue.get(next.tenant)!.filter((t) => t !== next.task));
    }
    expect(order).toEqual([1, 2, 3]);
  });

  it('gives every tenant one task per round, the least recently served first', () => {
    const rr = new RoundRobin();
    expect(rr.pick(new Map([['a', tasks(1, 2, 3)], ['b', tasks(10)], ['c', tasks(4, 5)]]), 5).map((p) => p.task.id)).toEqual([1, 4, 10, 2, 5]);
    // the last round served a then c: b was served longest ago, so it leads now
    expect(rr.pick(new Map([['a', tasks(3)], ['b', tasks(11)], ['c', tasks(6)]]), 3).map((p) => p.tenant)).toEqual(['b', 'a', 'c']);
  });

  it('never starves a tenant with one task behind a tenant with many', () => {
    const rr = new RoundRobin();
    const many = tasks(...Array.from({ length: 100 }, (_, i) => i + 1));
    const picked = rr.pick(new Map([['big', many], ['small', tasks(1000)]]), 2);
    expect(picked.map((p) => p.tenant).sort()).toEqual(['big', 'small']);
  });
});
