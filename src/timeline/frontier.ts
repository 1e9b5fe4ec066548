import { createHash } from 'node:crypto';
import type { SpansRepo } from '../store/spans-repo.js';
import { wireText } from './wire.js';

/** One author's chain head in a tenant: [author did, highest seq, id at that seq]. */
export type Head = [author: string, seq: number, id: string];

/**
 * The frontier of a tenant: every author's head. Chains are stored without gaps (a span whose predecessor is
 * missing is refused), so the highest seq is the contiguous one. Private spans have no seq and no part here.
 */
export function tenantHeads(repo: SpansRepo, tenant: string): Head[] {
  // one probe of the chain index per known author (authors are few; a tenant's spans may be millions)
  const rows = repo.db.prepare(`SELECT a.did AS author, s.seq, s.id FROM authors a
    JOIN spans s ON s.rid = (SELECT rid FROM spans WHERE author = a.id AND tenant = ? AND seq IS NOT NULL ORDER BY seq DESC LIMIT 1)
    ORDER BY a.did`).all(tenant) as { author: string; seq: number; id: Buffer }[];
  return rows.map((r) => [r.author, r.seq, r.id.toString('hex')]);
}

/** sha256 over the sorted `author seq id` lines of the heads: equal digests mean equal chains. */
export function headsDigest(heads: readonly Head[]): string {
  const h = createHash('sha256');
  for (const [author, seq, id] of [...heads].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) h.update(`${author} ${seq} ${id}\n`);
  return h.digest('hex');
}

/** Wire texts of an author's spans in a tenant from `from` on, in seq order, up to a byte and count budget. */
export function chainRange(repo: SpansRepo, tenant: string, author: string, from: number, maxBytes: number, maxCount: number): string[] {
  const authorId = repo.findAuthorId(author);
  if (authorId === undefined) return [];
  const rows = repo.db.prepare(`SELECT id, sig, body FROM spans WHERE author = ? AND tenant = ? AND seq >= ? ORDER BY seq LIMIT ?`)
    .all(authorId, tenant, from, maxCount) as { id: Buffer; sig: Buffer; body: string }[];
  const out: string[] = [];
  let bytes = 0;
  for (const r of rows) {
    const text = wireText(r.body, r.id.toString('hex'), r.sig.toString('hex'));
    if (out.length > 0 && bytes + text.length > maxBytes) break;
    out.push(text);
    bytes += text.length;
  }
  return out;
}
