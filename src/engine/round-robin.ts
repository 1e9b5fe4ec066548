/**
 * Strict round-robin between tenants: each tenant with due work gets one task per round, the tenant served
 * longest ago (or never) first, ties broken by whose next task was queued first. Within a tenant the order of
 * its candidates (priority, then scheduled_for, then FIFO) is kept.
 */
export class RoundRobin {
  private turn = 0;
  private readonly served = new Map<string, number>();

  /**
   * Up to `max` tasks from the tenants' ordered candidates, interleaved by round; marks the tenants served. The
   * picks end before the first task that does not `fit` (no slot for it), so that none overtakes another.
   */
  pick<T extends { id: number }>(candidates: ReadonlyMap<string, readonly T[]>, max: number, fits: (task: T) => boolean = () => true): { tenant: string; task: T }[] {
    const tenants = [...candidates.entries()].filter(([, list]) => list.length > 0)
      .sort(([a, la], [b, lb]) => (this.served.get(a) ?? -1) - (this.served.get(b) ?? -1) || la[0].id - lb[0].id)
      .map(([t]) => t);
    const out: { tenant: string; task: T }[] = [];
    for (let round = 0; out.length < max; round++) {
      let any = false;
      for (const tenant of tenants) {
        const task = candidates.get(tenant)![round];
        if (task === undefined) continue;
        if (!fits(task)) return out;
        any = true;
        out.push({ tenant, task });
        this.served.set(tenant, ++this.turn);
        if (out.length === max) break;
      }
      if (!any) break;
    }
    return out;
  }
}
