import type { VerifyFinding, VerifyReport } from '../api/types.js';
import { verifyByDid } from '../identity/ed25519.js';
import type { SpanRow, SpansRepo } from '../store/spans-repo.js';
import { SPAN_SELECT } from '../store/spans-repo.js';
import { spanIdBytes } from './canonical.js';

/** Findings are capped so that a badly damaged store still gives a readable report. */
const MAX_FINDINGS = 1000;

export interface VerifyScope {
  tenant?: string;
  /** Verify only these ids (chain links are checked against the store). */
  ids?: Buffer[];
  onProgress?: (done: number, total: number) => void;
}

/**
 * Re-verifies stored spans from their canonical bodies: id, signature, that the indexed columns agree with the
 * signed body, and every chain link; lists fork evidence.
 */
export function verifyStored(repo: SpansRepo, scope: VerifyScope = {}): VerifyReport {
  const findings: VerifyFinding[] = [];
  const add = (f: VerifyFinding) => { if (findings.length < MAX_FINDINGS) findings.push(f); };
  const tenantWhere = scope.tenant === undefined ? '' : 'WHERE s.tenant = ?';
  const tenantArgs = scope.tenant === undefined ? [] : [scope.tenant];
  let rows: Iterable<SpanRow>;
  let total: number;
  if (scope.ids !== undefined) {
    rows = scope.ids.map((id) => repo.byId(id)).filter((r): r is SpanRow => r !== undefined);
    total = scope.ids.length;
  } else {
    total = (repo.db.prepare(`SELECT count(*) AS n FROM spans s ${tenantWhere}`).get(...tenantArgs) as { n: number }).n;
    rows = repo.db.prepare(`${SPAN_SELECT} ${tenantWhere} ORDER BY s.author, s.tenant, s.seq`).iterate(...tenantArgs) as Iterable<SpanRow>;
  }
  const linkAt = repo.db.prepare('SELECT id FROM spans WHERE author = (SELECT id FROM authors WHERE did = ?) AND tenant = ? AND seq = ?').pluck();
  let checked = 0;
  let last: { author: string; tenant: string; seq: number; id: Buffer } | undefined;
  for (const row of rows) {
    checked++;
    const id = row.id.toString('hex');
    const where = { id, author: row.author, tenant: row.tenant, ...(row.seq === null ? {} : { seq: row.seq }) };
    const computed = spanIdBytes(row.body);
    if (!computed.equals(row.id)) add({ code: 'SPAN_BAD_ID', message: `stored body does not hash to ${id.slice(0, 12)}…`, ...where });
    else if (!verifyByDid(row.author, row.id, row.sig)) add({ code: 'SPAN_BAD_SIG', message: `signature of ${id.slice(0, 12)}… does not verify`, ...where });
    const body = JSON.parse(row.body) as { author: string; tenant: string; seq: number | null; prev: string | null };
    if (body.author !== row.author || body.tenant !== row.tenant || body.seq !== row.seq || body.prev !== (row.prev?.toString('hex') ?? null)) {
      add({ code: 'STORE_MISMATCH', message: `indexed columns of ${id.slice(0, 12)}… differ from its signed body`, ...where });
    }
    if (row.seq !== null) {
      const sameChain = last !== undefined && last.author === row.author && last.tenant === row.tenant && scope.ids === undefined;
      const prevId = sameChain && last!.seq === row.seq - 1 ? last!.id : row.seq > 1 ? (linkAt.get(row.author, row.tenant, row.seq - 1) as Buffer | undefined) : undefined;
      if (row.seq > 1 && prevId === undefined) add({ code: 'CHAIN_GAP', message: `seq ${row.seq - 1} before ${id.slice(0, 12)}… is missing`, ...where });
      else if (row.seq > 1 && (row.prev === null || !row.prev.equals(prevId!))) add({ code: 'CHAIN_BROKEN_PREV', message: `prev of ${id.slice(0, 12)}… is not the id at seq ${row.seq - 1}`, ...where });
      last = { author: row.author, tenant: row.tenant, seq: row.seq, id: row.id };
    }
    if (scope.onProgress && checked % 1000 === 0) scope.onProgress(checked, total);
  }
  const forks = verifyForks(repo, scope.tenant, add);
  scope.onProgress?.(checked, total);
  return { checked, forks, ok: findings.length === 0, findings };
}

function verifyForks(repo: SpansRepo, tenant: string | undefined, add: (f: VerifyFinding) => void): number {
  const rows = repo.db.prepare(`SELECT f.id, f.sig, a.did AS author, f.tenant, f.seq, f.canonical_id, f.body FROM forks f
    JOIN authors a ON a.id = f.author ${tenant === undefined ? '' : 'WHERE f.tenant = ?'} ORDER BY f.rid`).all(...(tenant === undefined ? [] : [tenant])) as
    { id: Buffer; sig: Buffer; author: string; tenant: string; seq: number; canonical_id: Buffer; body: string }[];
  for (const f of rows) {
    const valid = spanIdBytes(f.body).equals(f.id) && verifyByDid(f.author, f.id, f.sig);
    add({
      code: 'CHAIN_FORK',
      message: `${f.author.slice(0, 20)}… signed two spans at seq ${f.seq} in ${f.tenant}: ${f.canonical_id.toString('hex').slice(0, 12)}… (canonical) and ${f.id.toString('hex').slice(0, 12)}…${valid ? '' : ' (evidence does not verify)'}`,
      id: f.id.toString('hex'), author: f.author, tenant: f.tenant, seq: f.seq,
    });
  }
  return rows.length;
}
