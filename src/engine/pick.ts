import { CYCLE_TASKS } from './constants.js';
import { RoundRobin } from './round-robin.js';
import type { EngineStore } from './store.js';
import type { TaskRow } from './task.js';
import { isInline } from './types/index.js';

/** The tasks one cycle picked, and the slots of the concurrency limit they hold until they are launched. */
export interface Picked {
  picks: { tenant: string; task: TaskRow }[];
  slots: number;
  inline: number;
}

/**
 * Picks the next due tasks fairly: strict round-robin between tenants, priority then scheduled_for then FIFO
 * within one. A cycle picks while the one before it is still being recorded, so the tasks of cycles in flight
 * (still queued in the table) are left out until `release`.
 */
export class Picker {
  private readonly store: EngineStore;
  private readonly rr = new RoundRobin();
  private readonly inFlight = new Set<number>();

  constructor(store: EngineStore) {
    this.store = store;
  }

  /**
   * Up to CYCLE_TASKS due tasks, their attempt counted, in order: each launched task needs one of the `free`
   * slots and a batch of inline ones holds one; the picks end before the first task without a slot.
   */
  pick(now: number, free: number): Picked {
    const picked: Picked = { picks: [], slots: 0, inline: 0 };
    if (free <= 0) return picked;
    const tenants = this.store.readyTenants();
    // strict round-robin takes at most ⌈max / tenants⌉ of one tenant
    const per = Math.ceil(CYCLE_TASKS / Math.max(1, tenants.length));
    const candidates = new Map(tenants.map((t) => [t, this.store.candidates(t, now, per, this.inFlight)]));
    picked.picks = this.rr.pick(candidates, CYCLE_TASKS, (task) => {
      const inline = isInline(task.type);
      if (!(inline && picked.inline > 0)) {
        if (picked.slots === free) return false;
        picked.slots++;
      }
      if (inline) picked.inline++;
      return true;
    });
    for (const { task } of picked.picks) {
      task.attempts++;
      this.inFlight.add(task.id);
    }
    return picked;
  }

  /** The cycle of these picks committed (or failed): its tasks are no longer in flight. */
  release(picked: Picked): void {
    for (const { task } of picked.picks) this.inFlight.delete(task.id);
  }
}
