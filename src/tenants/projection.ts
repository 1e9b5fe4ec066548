import type { Db } from '../store/db.js';
import { LoglineError } from '../errors/errors.js';
import { isHandle } from '../identity/keystore.js';
import { publicKeyFromDid } from '../identity/did-key.js';
import { MEMBER_ADDED, MEMBER_REMOVED, ROLE_CHANGED, TENANT_CREATED, TENANT_EVENTS } from './events.js';
import { canManage, isRole, type Role } from './roles.js';
import { PEER_TRUSTED } from '../federation/trust.js';

/** One tenant event span, as the fold reads it. */
export interface TenantEvent {
  id: string;
  author: string;
  tenant: string;
  /** Local arrival order (row id), which picks the genesis among several tenant.created spans. */
  order?: number;
  ts: string;
  title: string;
  data: unknown;
}

export interface Member {
  role: Role;
  handle?: string;
  since: string;
}

/** A tenant's state after its events, in (ts, id) order. */
export interface TenantState {
  slug: string;
  name: string;
  genesis: string;
  owner: string;
  createdTs: string;
  members: Map<string, Member>;
}

/** A role a did holds from a ts on (null once removed): the history spans are judged by. */
export interface RoleChange {
  did: string;
  fromTs: string;
  span: string;
  role: Role | null;
}

function refused(code: string, message: string, hint?: string): LoglineError {
  return new LoglineError(code, message, { hint });
}

function shortDid(did: string): string {
  return did.length > 24 ? `${did.slice(0, 20)}…` : did;
}

/**
 * The rules of tenant events (SPEC §5), in one place: the fold applies an event when they allow it and keeps
 * it as evidence otherwise; admission refuses to sign an event they would not apply. Returns the state after
 * the event and the role change it made, or the reason it does not count.
 */
export function applyEvent(state: TenantState | undefined, ev: TenantEvent): { state: TenantState; change?: RoleChange } | LoglineError {
  const data = (ev.data ?? {}) as { did?: unknown; role?: unknown; handle?: unknown; name?: unknown };
  if (ev.title === TENANT_CREATED) {
    if (state) return refused('TENANT_EXISTS', `tenant ${state.slug} exists already`, '`logline tenant list`');
    const name = typeof data.name === 'string' ? data.name : '';
    const next: TenantState = { slug: ev.tenant, name, genesis: ev.id, owner: ev.author, createdTs: ev.ts, members: new Map([[ev.author, { role: 'owner', since: ev.ts }]]) };
    return { state: next, change: { did: ev.author, fromTs: ev.ts, span: ev.id, role: 'owner' } };
  }
  if (!state) return refused('TENANT_UNKNOWN', 'the tenant does not exist on this node', '`logline tenant create NAME`, or sync it from a peer that has it');
  if (typeof data.did !== 'string' || publicKeyFromDid(data.did) === null) return refused('MEMBER_BAD_DID', `${ev.title} needs data.did, an ed25519 did:key`);
  const target = data.did;
  const actor = state.members.get(ev.author)?.role;
  const current = state.members.get(target);
  const owners = [...state.members.values()].filter((m) => m.role === 'owner').length;
  const members = new Map(state.members);
  let role: Role | null;
  if (ev.title === MEMBER_ADDED || ev.title === ROLE_CHANGED) {
    if (!isRole(data.role)) return refused('MEMBER_BAD_ROLE', `"${String(data.role)}" is not a role`, 'owner, admin, member or viewer');
    if (ev.title === ROLE_CHANGED && !current) return refused('MEMBER_NOT_FOUND', `${shortDid(target)} is not a member of ${state.slug}`, '`logline member list`');
    if (!canManage(actor)) return notAllowed(actor, state.slug, 'manage members');
    if (actor === 'admin' && (data.role === 'owner' || current?.role === 'owner')) return notAllowed(actor, state.slug, 'grant or change the owner role');
    if (current?.role === 'owner' && data.role !== 'owner' && owners === 1) return lastOwner(state.slug);
    const handle = typeof data.handle === 'string' && isHandle(data.handle) ? data.handle : current?.handle;
    role = data.role;
    members.set(target, { role, ...(handle === undefined ? {} : { handle }), since: ev.ts });
  } else if (ev.title === MEMBER_REMOVED) {
    if (!current) return refused('MEMBER_NOT_FOUND', `${shortDid(target)} is not a member of ${state.slug}`, '`logline member list`');
    // anyone may leave; removing someone else takes a manager, and an owner only an owner
    if (ev.author !== target && !canManage(actor)) return notAllowed(actor, state.slug, 'remove members');
    if (ev.author !== target && actor === 'admin' && current.role === 'owner') return notAllowed(actor, state.slug, 'remove an owner');
    if (current.role === 'owner' && owners === 1) return lastOwner(state.slug);
    role = null;
    members.delete(target);
  } else {
    return refused('TENANT_BAD_EVENT', `${ev.title} is not a tenant event`);
  }
  return { state: { ...state, members }, change: { did: target, fromTs: ev.ts, span: ev.id, role } };
}

function notAllowed(actor: Role | undefined, tenant: string, what: string): LoglineError {
  return actor === undefined
    ? refused('NOT_A_MEMBER', `the signer is not a member of ${tenant}`, 'an owner or admin adds you: `logline member add DID --tenant T --role member`')
    : refused('ROLE_FORBIDDEN', `a ${actor} of ${tenant} may not ${what}`, 'ask an owner or admin of the tenant');
}

function lastOwner(tenant: string): LoglineError {
  return refused('LAST_OWNER', `that would leave ${tenant} without an owner`, 'make another member owner first: `logline member role DID owner`');
}

/**
 * Folds a tenant's events into its state and role history; refused events are skipped (kept as evidence). The
 * genesis is the `tenant.created` this node pinned when it joined the tenant (the inviting node names it in its
 * join answer), else the one it stored first: a second one — two nodes that created the same slug, or a member
 * that backdates one to take the tenant over — never replaces the tenant a node holds. A pinned genesis that has
 * not arrived yet leaves the tenant unknown. The other events follow in (ts, id) order.
 */
export function foldTenant(events: readonly TenantEvent[], pinned?: string): { state: TenantState | undefined; history: RoleChange[]; ignored: number } {
  let state: TenantState | undefined;
  const history: RoleChange[] = [];
  const created = events.filter((e) => e.title === TENANT_CREATED);
  const genesis = pinned !== undefined
    ? created.find((e) => e.id === pinned)
    : created.reduce<TenantEvent | undefined>((first, e) => (first === undefined || (e.order ?? Infinity) < (first.order ?? Infinity) ? e : first), undefined);
  let ignored = created.length - (genesis ? 1 : 0);
  for (const ev of [...(genesis ? [genesis] : []), ...events.filter((e) => e.title !== TENANT_CREATED)]) {
    const r = applyEvent(state, ev);
    if (r instanceof LoglineError) {
      ignored++;
      continue;
    }
    state = r.state;
    if (r.change) history.push(r.change);
  }
  return { state, history, ignored };
}

export interface TenantRow {
  slug: string;
  name: string;
  genesis: string;
  owner: string;
  created: string;
}

export interface MemberRow {
  did: string;
  role: Role;
  handle: string | null;
  since: string;
}

const EVENT_TITLES = [...TENANT_EVENTS];

/**
 * The tenant tables, projections of the tenant event spans: rebuilt for a tenant whenever one of its events
 * commits (they are few), so that the tables are always what a fold of the spans alone gives.
 */
export class TenantProjection {
  private readonly db: Db;
  private readonly isLocal: (did: string) => boolean;

  /** `isLocal` tells this node's own identities, whose trust spans may pin a tenant's genesis. */
  constructor(db: Db, isLocal: (did: string) => boolean = () => false) {
    this.db = db;
    this.isLocal = isLocal;
  }

  /** The events of a tenant in fold order. */
  events(tenant: string): TenantEvent[] {
    const rows = this.db.prepare(`SELECT s.rid, s.id, a.did AS author, s.tenant, s.ts, s.title, s.body FROM spans s JOIN authors a ON a.id = s.author
      WHERE s.kind = 'system' AND s.title IN (${EVENT_TITLES.map(() => '?').join(', ')}) AND s.tenant = ? ORDER BY s.ts, s.id`)
      .all(...EVENT_TITLES, tenant) as { rid: number; id: Buffer; author: string; tenant: string; ts: string; title: string; body: string }[];
    return rows.map((r) => ({ id: r.id.toString('hex'), author: r.author, tenant: r.tenant, order: r.rid, ts: r.ts, title: r.title, data: (JSON.parse(r.body) as { data?: unknown }).data }));
  }

  /**
   * The genesis this node pinned for the tenant on joining it: data.genesis of the latest `peer.trusted` span that
   * one of its own identities signed (a private span, never replicated), or undefined.
   */
  pinned(tenant: string): string | undefined {
    const rows = this.db.prepare(`SELECT a.did AS author, json_extract(s.body, '$.data.genesis') AS genesis FROM spans s JOIN authors a ON a.id = s.author
      WHERE s.kind = 'system' AND s.title = ? AND s.visibility = 'private' AND s.tenant = ? AND json_extract(s.body, '$.data.genesis') IS NOT NULL
      ORDER BY s.ts DESC, s.rid DESC`).all(PEER_TRUSTED, tenant) as { author: string; genesis: unknown }[];
    const pin = rows.find((r) => this.isLocal(r.author) && typeof r.genesis === 'string' && /^[0-9a-f]{64}$/.test(r.genesis));
    return pin?.genesis as string | undefined;
  }

  /** Refolds one tenant from its spans into the tables (inside the caller's transaction, if any). */
  rebuild(tenant: string): void {
    const { state, history } = foldTenant(this.events(tenant), this.pinned(tenant));
    const write = this.db.transaction(() => {
      this.db.prepare('DELETE FROM tenants WHERE slug = ?').run(tenant);
      this.db.prepare('DELETE FROM members WHERE tenant = ?').run(tenant);
      this.db.prepare('DELETE FROM member_roles WHERE tenant = ?').run(tenant);
      if (!state) return;
      this.db.prepare('INSERT INTO tenants (slug, name, genesis, owner, created_ts) VALUES (?, ?, ?, ?, ?)')
        .run(tenant, state.name, Buffer.from(state.genesis, 'hex'), state.owner, state.createdTs);
      const member = this.db.prepare('INSERT INTO members (tenant, did, role, handle, since) VALUES (?, ?, ?, ?, ?)');
      for (const [did, m] of state.members) member.run(tenant, did, m.role, m.handle ?? null, m.since);
      const change = this.db.prepare('INSERT OR IGNORE INTO member_roles (tenant, did, from_ts, span, role) VALUES (?, ?, ?, ?, ?)');
      for (const c of history) change.run(tenant, c.did, c.fromTs, Buffer.from(c.span, 'hex'), c.role);
    });
    write();
  }

  /** Refolds every tenant that has events (and drops rows of tenants that have none). */
  rebuildAll(): void {
    const tenants = this.db.prepare(`SELECT DISTINCT tenant FROM spans WHERE kind = 'system' AND title IN (${EVENT_TITLES.map(() => '?').join(', ')})
      UNION SELECT slug FROM tenants`).pluck().all(...EVENT_TITLES) as string[];
    this.db.transaction(() => { for (const t of tenants) this.rebuild(t); })();
  }

  get(slug: string): TenantRow | undefined {
    const row = this.db.prepare('SELECT slug, name, genesis, owner, created_ts FROM tenants WHERE slug = ?').get(slug) as
      { slug: string; name: string; genesis: Buffer; owner: string; created_ts: string } | undefined;
    return row && { slug: row.slug, name: row.name, genesis: row.genesis.toString('hex'), owner: row.owner, created: row.created_ts };
  }

  list(): TenantRow[] {
    return (this.db.prepare('SELECT slug FROM tenants ORDER BY slug').pluck().all() as string[]).map((s) => this.get(s)!);
  }

  members(tenant: string): MemberRow[] {
    return this.db.prepare(`SELECT did, role, handle, since FROM members WHERE tenant = ?
      ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'member' THEN 2 ELSE 3 END, since, did`).all(tenant) as MemberRow[];
  }

  /** The state the tables hold for a tenant, for checking a new event against it. */
  state(tenant: string): TenantState | undefined {
    const t = this.get(tenant);
    if (!t) return undefined;
    const members = new Map<string, Member>();
    for (const m of this.members(tenant)) members.set(m.did, { role: m.role, ...(m.handle === null ? {} : { handle: m.handle }), since: m.since });
    return { slug: t.slug, name: t.name, genesis: t.genesis, owner: t.owner, createdTs: t.created, members };
  }

  /** Each member's role history, oldest first. */
  history(tenant: string): Map<string, RoleChange[]> {
    const rows = this.db.prepare('SELECT did, from_ts, span, role FROM member_roles WHERE tenant = ? ORDER BY from_ts, span')
      .all(tenant) as { did: string; from_ts: string; span: Buffer; role: Role | null }[];
    const out = new Map<string, RoleChange[]>();
    for (const r of rows) {
      let list = out.get(r.did);
      if (!list) out.set(r.did, (list = []));
      list.push({ did: r.did, fromTs: r.from_ts, span: r.span.toString('hex'), role: r.role });
    }
    return out;
  }
}

/** The role a history gives at a ts (an event at the same ts counts: it was signed before). */
export function roleAt(changes: readonly RoleChange[] | undefined, ts: string): Role | null {
  let role: Role | null = null;
  for (const c of changes ?? []) {
    if (c.fromTs > ts) break;
    role = c.role;
  }
  return role;
}
