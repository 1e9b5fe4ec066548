import type { Db } from '../store/db.js';
import type { Migration } from '../store/migrate.js';

export interface TenantCount {
  tenant: string;
  spans: number;
}

export interface SchemaState {
  /** Highest applied migration (0: none). */
  version: number;
  applied: { version: number; name: string; sha256: string }[];
  /** Migrations of this binary not yet applied. */
  pending: string[];
  /** Applied migrations this binary does not know (a newer logline wrote the file). */
  unknown: string[];
  /** Applied migrations whose file has changed since. */
  changed: string[];
}

/** What a database says about its schema, compared with this binary's migrations; reads only. */
export function schemaState(db: Db, migrations: readonly Migration[]): SchemaState {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  const applied = hasTable
    ? db.prepare('SELECT version, name, sha256 FROM schema_migrations ORDER BY version').all() as SchemaState['applied']
    : [];
  const unknown = applied.filter((a) => migrations[a.version - 1] === undefined).map((a) => a.name);
  const changed = applied.filter((a) => migrations[a.version - 1] !== undefined && migrations[a.version - 1].sha256 !== a.sha256).map((a) => a.name);
  const done = new Set(applied.map((a) => a.version));
  return {
    version: applied.reduce((v, a) => Math.max(v, a.version), 0),
    applied,
    pending: migrations.filter((m) => !done.has(m.version)).map((m) => m.name),
    unknown,
    changed,
  };
}

/** Spans per tenant, by tenant name. */
export function tenantCounts(db: Db): TenantCount[] {
  return db.prepare('SELECT tenant, count(*) AS spans FROM spans GROUP BY tenant ORDER BY tenant').all() as TenantCount[];
}

export function forkCount(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM forks').get() as { n: number }).n;
}

/** Whether two lists of counts say the same. */
export function sameCounts(a: readonly TenantCount[], b: readonly TenantCount[]): boolean {
  return a.length === b.length && a.every((t, i) => t.tenant === b[i].tenant && t.spans === b[i].spans);
}

/** One tenant's span count before and after a change (0 where the tenant was absent). */
export interface CountChange {
  tenant: string;
  before: number;
  after: number;
}

export function countChanges(before: readonly TenantCount[], after: readonly TenantCount[]): CountChange[] {
  const tenants = [...new Set([...before, ...after].map((t) => t.tenant))].sort();
  const of = (list: readonly TenantCount[], tenant: string) => list.find((t) => t.tenant === tenant)?.spans ?? 0;
  return tenants.map((tenant) => ({ tenant, before: of(before, tenant), after: of(after, tenant) }));
}
