import { LoglineError } from '../errors/errors.js';
import type { SpansRepo } from '../store/spans-repo.js';
import type { RuleSet } from './compile.js';
import { RULE_DISABLED, RULE_PUT, tenantRuleSet, tenantRuleSetNow, type RuleEvent } from './store.js';

/**
 * The compiled rule sets of the tenants this node signs into, kept while their rule spans do not change.
 * Compiling may load CEL (asynchronously), so `prepare` runs before an append and the admission check, which
 * runs inside the write, takes the compiled set synchronously (compiling it then if it can without waiting).
 */
export class RuleBook {
  private readonly repo: SpansRepo;
  private readonly accept: (tenant: string) => (event: RuleEvent) => boolean;
  private readonly sets = new Map<string, { fingerprint: string; set: RuleSet }>();
  private readonly counts: ReturnType<SpansRepo['db']['prepare']>;
  private readonly fingerprints = new Map<string, string>();

  /** `accept(tenant)` says whether a rule span counts (its author could change rules then). */
  constructor(repo: SpansRepo, accept: (tenant: string) => (event: RuleEvent) => boolean) {
    this.repo = repo;
    this.accept = accept;
    this.counts = repo.db.prepare(`SELECT count(*) AS n, max(rid) AS m FROM spans WHERE kind = 'system' AND title IN ('${RULE_PUT}', '${RULE_DISABLED}') AND tenant = ?`);
  }

  /** Compiles the current rules of these tenants, unless they are compiled already. */
  async prepare(tenants: Iterable<string>): Promise<void> {
    for (const tenant of new Set(tenants)) {
      const fingerprint = this.fingerprint(tenant);
      if (fingerprint === '' || this.sets.get(tenant)?.fingerprint === fingerprint) continue;
      this.sets.set(tenant, { fingerprint, set: await tenantRuleSet(this.repo, tenant, { accept: this.accept(tenant) }) });
    }
  }

  /** The tenant's compiled rules, or undefined when it has none. */
  get(tenant: string): RuleSet | undefined {
    const fingerprint = this.fingerprint(tenant);
    if (fingerprint === '') return undefined;
    const entry = this.sets.get(tenant);
    if (entry?.fingerprint === fingerprint) return entry.set;
    // not prepared (a writer that does not await, like the task engine), or changed since: compile now, which
    // needs no wait unless the rules use CEL and this process has not loaded it yet
    const set = tenantRuleSetNow(this.repo, tenant, { accept: this.accept(tenant) });
    if (!set) {
      void this.prepare([tenant]).catch(() => {});
      throw new LoglineError('RULES_NOT_READY', `the rules of ${tenant} are being loaded`, { hint: 'send it again in a moment' });
    }
    this.sets.set(tenant, { fingerprint, set });
    return set;
  }

  /** A rule span was stored by this process: what was read of the rules this tick is stale. */
  changed(): void {
    this.fingerprints.clear();
  }

  private fingerprint(tenant: string): string {
    // once per tenant and tick: the drafts of one batch are admitted in one synchronous run
    let f = this.fingerprints.get(tenant);
    if (f === undefined) {
      const row = this.counts.get(tenant) as { n: number; m: number | null };
      f = row.n === 0 ? '' : `${row.n}:${row.m}`;
      if (this.fingerprints.size === 0) queueMicrotask(() => this.fingerprints.clear());
      this.fingerprints.set(tenant, f);
    }
    return f;
  }
}
