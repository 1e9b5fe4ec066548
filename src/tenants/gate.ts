import { LoglineError } from '../errors/errors.js';
import type { Gate } from '../timeline/timeline.js';
import type { Span, SpanBody } from '../timeline/span.js';
import { TENANT_CREATED, TENANT_EVENTS } from './events.js';
import { PEER_TRUSTED } from '../federation/trust.js';
import { applyEvent, roleAt, TenantProjection, type RoleChange, type TenantState } from './projection.js';
import { canManage, canWrite, type Role } from './roles.js';
import type { Statement } from 'better-sqlite3';
import { RuleBook } from '../rules/book.js';
import type { RuleSet } from '../rules/compile.js';
import { evaluate } from '../rules/evaluate.js';
import { ruleRejected } from '../rules/outcome.js';
import { RULE_DISABLED, RULE_PUT } from '../rules/store.js';
import type { Outcome } from '../rules/types.js';
import type { SpansRepo } from '../store/spans-repo.js';
import { sortedUnique } from '../timeline/span.js';

const RULE_TITLES: ReadonlySet<string> = new Set([RULE_PUT, RULE_DISABLED]);

const LOGLINE_ID = 'logline-id://';

/**
 * Who may write where (SPEC §5), for every span that enters the store: local spans before they are signed,
 * foreign ones (import, peers) before they are stored. Tenant tables are refolded when one of their events
 * commits. What it read is cached until this or another process changes the database.
 */
export class TenantGate implements Gate {
  readonly projection: TenantProjection;
  private readonly dataVersion: () => number;
  private readonly localHandles: (did: string) => readonly string[];
  private version = -1;
  private checked = false;
  private readonly states = new Map<string, TenantState | undefined>();
  private readonly histories = new Map<string, Map<string, RoleChange[]> | undefined>();
  private readonly rules: RuleBook;
  private readonly keepOutcome: Statement;

  /** `localHandles` gives the handles this node's keystore binds to a did. */
  constructor(repo: SpansRepo, localHandles: (did: string) => readonly string[]) {
    const db = repo.db;
    this.projection = new TenantProjection(db, (did) => localHandles(did).length > 0);
    const version = db.prepare('PRAGMA data_version').pluck();
    this.dataVersion = () => version.get() as number;
    this.localHandles = localHandles;
    this.rules = new RuleBook(repo, (tenant) => (e) => canManage(roleAt(this.history(tenant)?.get(e.author), e.ts)));
    this.keepOutcome = db.prepare('INSERT OR REPLACE INTO span_outcomes (id, rule_set, outcome) VALUES (?, ?, ?)');
  }

  admitLocal(body: SpanBody): Outcome | undefined {
    // a node's trust decisions are local policy: kept private, they need no role (it may not be a member)
    if (body.kind === 'system' && body.visibility === 'private' && body.title.startsWith('peer.')) return undefined;
    const state = this.state(body.tenant);
    if (body.kind === 'system' && TENANT_EVENTS.has(body.title)) {
      const r = applyEvent(state, { id: '', author: body.author, tenant: body.tenant, ts: body.ts, title: body.title, data: body.data });
      if (r instanceof LoglineError) throw r;
    } else {
      if (!state) throw unknownTenant(body.tenant);
      const role = state.members.get(body.author)?.role;
      if (!canWrite(role)) throw cannotWrite(role ?? null, body.tenant);
      if (body.kind === 'system' && RULE_TITLES.has(body.title) && !canManage(role)) {
        throw new LoglineError('ROLE_FORBIDDEN', `a ${role} of ${body.tenant} may not change its rules`, { hint: 'owners and admins change rules' });
      }
    }
    if (body.logline_id !== undefined) {
      const handle = body.logline_id.slice(LOGLINE_ID.length);
      const bound = state?.members.get(body.author)?.handle;
      if (handle !== bound && !this.localHandles(body.author).includes(handle)) {
        throw new LoglineError('LOGLINE_ID_MISMATCH', `logline-id://${handle} is not a handle of the signing identity`, {
          hint: 'use the handle of the identity that signs (`logline id list`), or sign with that identity (--as is the handle)',
        });
      }
    }
    // the tenant's admission rules, last: on what people and programs log, never on the node's own bookkeeping
    // (system spans), so that no rule can lock the owners out of changing the rules
    return body.kind === 'system' ? undefined : this.applyRules(body);
  }

  private applyRules(body: SpanBody): Outcome | undefined {
    const set = this.rules.get(body.tenant);
    if (!set) return undefined;
    const { outcome, span } = evaluate(set, body as unknown as Record<string, unknown>, 'admission');
    if (outcome.decision === 'reject') throw ruleRejected(outcome);
    const changed = span as unknown as SpanBody;
    if (changed !== body) {
      if (changed.tags !== undefined) body.tags = sortedUnique(changed.tags);
      if (changed.metadata !== undefined) body.metadata = changed.metadata;
      body.status = changed.status;
    }
    return outcome;
  }

  /** The tenant's compiled rules (after prepareRules), or undefined when it has none. */
  ruleSet(tenant: string): RuleSet | undefined {
    return this.rules.get(tenant);
  }

  /** Compiles the rules of these tenants for the next appends (see RuleBook). */
  prepareRules(tenants: Iterable<string>): Promise<void> {
    return this.rules.prepare(tenants);
  }

  admitForeign(span: Span): void {
    const error = this.recheck(span);
    if (error) throw error;
  }

  /**
   * Why a span should not be in the tenant as it is now known, or null: its author holds no writing role and held
   * none when it signed the span (by its ts), or its logline_id is not the author's handle. A tenant this node does not know yet admits
   * everything (verify flags what its events later disallow); `tenant.created` is always kept as evidence.
   */
  recheck(span: SpanBody): LoglineError | null {
    if (span.kind === 'system' && span.title === TENANT_CREATED) return null;
    if (span.visibility === 'private') return null; // never left its node: that node's own business
    const history = this.history(span.tenant);
    if (!history) return null;
    // the role the author holds now, or held when it signed (its own ts): a member's backdated spans stay valid,
    // and so do a removed member's spans from while it was one
    const changes = history.get(span.author);
    const then = roleAt(changes, span.ts);
    const now = changes?.[changes.length - 1]?.role ?? null;
    // tenant events by any member are kept: the fold decides whether they count
    const ok = span.kind === 'system' && TENANT_EVENTS.has(span.title) ? then !== null || now !== null : canWrite(then) || canWrite(now);
    if (!ok) return cannotWrite(now ?? then, span.tenant);
    if (span.logline_id !== undefined) {
      const bound = this.state(span.tenant)?.members.get(span.author)?.handle;
      if (bound !== undefined && span.logline_id !== `${LOGLINE_ID}${bound}`) {
        return new LoglineError('LOGLINE_ID_MISMATCH', `${span.logline_id} is not the handle the tenant binds to the author (${bound})`);
      }
    }
    return null;
  }

  stored(span: Span, facts?: unknown): void {
    if (facts !== undefined) {
      const outcome = facts as Outcome;
      this.keepOutcome.run(Buffer.from(span.id, 'hex'), outcome.rule_set, JSON.stringify(outcome));
    }
    if (span.kind === 'system' && RULE_TITLES.has(span.title)) this.rules.changed();
    if (span.kind !== 'system' || !(TENANT_EVENTS.has(span.title) || pinsGenesis(span))) return;
    this.projection.rebuild(span.tenant);
    this.states.delete(span.tenant);
    this.histories.delete(span.tenant);
  }

  /** The tenant as the tables hold it, or undefined when this node does not know it. */
  state(tenant: string): TenantState | undefined {
    this.fresh();
    if (!this.states.has(tenant)) this.states.set(tenant, this.projection.state(tenant));
    return this.states.get(tenant);
  }

  private history(tenant: string): Map<string, RoleChange[]> | undefined {
    this.fresh();
    if (!this.histories.has(tenant)) this.histories.set(tenant, this.projection.get(tenant) ? this.projection.history(tenant) : undefined);
    return this.histories.get(tenant);
  }

  private fresh(): void {
    // once per tick: the drafts of one batch are admitted in one synchronous run
    if (this.checked) return;
    this.checked = true;
    queueMicrotask(() => { this.checked = false; });
    const v = this.dataVersion();
    if (v === this.version) return;
    this.version = v;
    this.states.clear();
    this.histories.clear();
  }
}

/** A trust span by which this node, joining a tenant, pins its genesis (see TenantProjection.pinned). */
function pinsGenesis(span: Span): boolean {
  return span.title === PEER_TRUSTED && span.visibility === 'private' && typeof (span.data as { genesis?: unknown } | undefined)?.genesis === 'string';
}

export function unknownTenant(tenant: string): LoglineError {
  return new LoglineError('TENANT_UNKNOWN', `tenant ${tenant} does not exist on this node`, {
    hint: `\`logline tenant create ${tenant}\`, \`logline join TOKEN\`, or sync it from a peer (\`logline peer add ADDR --tenant ${tenant}\`)`,
  });
}

function cannotWrite(role: Role | null, tenant: string): LoglineError {
  return role === null
    ? new LoglineError('NOT_A_MEMBER', `the author is not a member of ${tenant}`, { hint: `an owner or admin adds it: \`logline member add DID --tenant ${tenant} --role member\`` })
    : new LoglineError('ROLE_FORBIDDEN', `a ${role} of ${tenant} may not write spans`, { hint: 'ask an owner or admin for the member role: `logline member role DID member`' });
}
