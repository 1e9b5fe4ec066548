import type { VerifyFinding, VerifyReport } from '../api/types.js';
import { verifyByDid } from '../identity/ed25519.js';
import { inlineCrypto, type CryptoPool } from '../identity/crypto-pool.js';
import type { SpanRow, SpansRepo } from '../store/spans-repo.js';
import { id8, SPAN_SELECT_AIX } from '../store/spans-repo.js';
import type { LoglineError } from '../errors/errors.js';
import { spanIdBytes } from './canonical.js';
import type { SpanBody } from './span.js';

/** Findings are capped so that a badly damaged store still gives a readable report. */
const MAX_FINDINGS = 1000;
const PAGE = 2048;

export interface VerifyScope {
  tenant?: string;
  /** Verify only these ids (chain links are checked against the store). */
  ids?: Buffer[];
  onProgress?: (done: number, total: number) => void;
  crypto?: CryptoPool;
  /** Why a stored span should not be there as the tenant is now known (its author's role), or null. */
  recheck?: (span: SpanBody) => LoglineError | null;
}

type Chained = { author: number; tenant: string; seq: number };
type PagedRow = SpanRow & { aix: number };

/**
 * Re-verifies stored spans from their canonical bodies: id, signature, that the indexed columns agree with the
 * signed body, and every chain link; lists fork evidence. Pages through the chain index, so memory stays flat,
 * and checks the signatures of one page in the crypto pool while the next page is hashed.
 */
export async function verifyStored(repo: SpansRepo, scope: VerifyScope = {}): Promise<VerifyReport> {
  const crypto = scope.crypto ?? inlineCrypto;
  const findings: VerifyFinding[] = [];
  const add = (f: VerifyFinding) => { if (findings.length < MAX_FINDINGS) findings.push(f); };
  const t = scope.tenant === undefined ? '' : ' AND s.tenant = ?';
  const targs = scope.tenant === undefined ? [] : [scope.tenant];
  const total = scope.ids?.length ?? (repo.db.prepare(`SELECT count(*) AS n FROM spans s WHERE 1${t}`).get(...targs) as { n: number }).n;
  const linkAt = repo.db.prepare('SELECT id FROM spans WHERE author = ? AND tenant = ? AND seq = ?').pluck();
  const chainPage = repo.db.prepare(`${SPAN_SELECT_AIX} WHERE s.seq IS NOT NULL AND (s.author, s.tenant, s.seq) > (?, ?, ?)${t}
    ORDER BY s.author, s.tenant, s.seq LIMIT ${PAGE}`);
  const privatePage = repo.db.prepare(`${SPAN_SELECT_AIX} WHERE s.seq IS NULL AND s.rid > ?${t} ORDER BY s.rid LIMIT ${PAGE}`);

  let checked = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let last: (Chained & { id: Buffer }) | undefined;

  const checkPage = (rows: PagedRow[]) => {
    const sigChecks: { row: SpanRow }[] = [];
    for (const row of rows) {
      checked++;
      const id = row.id.toString('hex');
      const where = { id, author: row.author, tenant: row.tenant, ...(row.seq === null ? {} : { seq: row.seq }) };
      if (!spanIdBytes(row.body).equals(row.id)) add({ code: 'SPAN_BAD_ID', message: `stored body does not hash to ${id.slice(0, 12)}…`, ...where });
      else sigChecks.push({ row });
      const body = JSON.parse(row.body) as SpanBody;
      if (body.author !== row.author || body.tenant !== row.tenant || body.seq !== row.seq || body.prev !== (row.prev?.toString('hex') ?? null)) {
        add({ code: 'STORE_MISMATCH', message: `indexed columns of ${id.slice(0, 12)}… differ from its signed body`, ...where });
      }
      const refused = scope.recheck?.(body);
      if (refused) add({ code: refused.code, message: `${id.slice(0, 12)}…: ${refused.message}`, ...where });
      if (row.seq !== null && row.seq > 1) {
        const author = row.aix;
        const prevId = last && last.author === author && last.tenant === row.tenant && last.seq === row.seq - 1
          ? last.id : (linkAt.get(author, row.tenant, row.seq - 1) as Buffer | undefined);
        if (prevId === undefined) add({ code: 'CHAIN_GAP', message: `seq ${row.seq - 1} before ${id.slice(0, 12)}… is missing`, ...where });
        else if (row.prev === null || !row.prev.equals(prevId)) add({ code: 'CHAIN_BROKEN_PREV', message: `prev of ${id.slice(0, 12)}… is not the id at seq ${row.seq - 1}`, ...where });
      }
      if (row.seq !== null) last = { author: row.aix, tenant: row.tenant, seq: row.seq, id: row.id };
    }
    const previous = inFlight;
    const sigs = crypto.verify(sigChecks.map(({ row }) => ({ did: row.author, msg: row.id, sig: row.sig })));
    inFlight = (async () => {
      await previous;
      const ok = await sigs;
      ok.forEach((good, i) => {
        if (good) return;
        const { row } = sigChecks[i];
        add({ code: 'SPAN_BAD_SIG', message: `signature of ${row.id.toString('hex').slice(0, 12)}… does not verify`, id: row.id.toString('hex'), author: row.author, tenant: row.tenant });
      });
      scope.onProgress?.(checked, total);
    })();
  };

  if (scope.ids !== undefined) {
    const byId = repo.db.prepare(`${SPAN_SELECT_AIX} WHERE s.id8 = ? AND s.id = ?`);
    checkPage(scope.ids.map((id) => byId.get(id8(id), id) as PagedRow | undefined).filter((r): r is PagedRow => r !== undefined));
  } else {
    let cursor: Chained = { author: -1, tenant: '', seq: 0 };
    // one page's signatures are checked in the pool while the next is read and hashed here: at most two in flight
    for (;;) {
      const rows = chainPage.all(cursor.author, cursor.tenant, cursor.seq, ...targs) as PagedRow[];
      if (rows.length === 0) break;
      const before = inFlight;
      checkPage(rows);
      const end = rows[rows.length - 1];
      cursor = { author: end.aix, tenant: end.tenant, seq: end.seq! };
      await before;
    }
    for (let rid = 0; ;) {
      const rows = privatePage.all(rid, ...targs) as PagedRow[];
      if (rows.length === 0) break;
      const before = inFlight;
      checkPage(rows);
      rid = rows[rows.length - 1].rid;
      await before;
    }
  }
  await inFlight;
  const forks = verifyForks(repo, scope.tenant, add);
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
