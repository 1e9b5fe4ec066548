// The large store shared by query.mjs and daemon-rss.mjs: N spans over T tenants, appended in process through
// home.timeline.append, cached under bench/out/. The cache is keyed by size and by a hash of the migrations,
// the row mapping and the draft generator (what decides the stored data, not code that only runs faster), so
// reruns skip the generation. A new store removes older stores of the same size.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Home } from '../dist/node/home.js';
import { tenantCreated } from '../dist/tenants/events.js';
import { OUT, ROOT, draft, mix, initHome, ms, now, progress } from './lib.mjs';

export const T0 = Date.parse('2025-01-01T00:00:00.000Z');
export const STEP_MS = 1000; // one span a second across the node: 1M spans ≈ 11.6 days

function codeKey(batch) {
  const h = createHash('sha256');
  const migrations = join(ROOT, 'migrations');
  for (const f of readdirSync(migrations).sort()) h.update(f).update(readFileSync(join(migrations, f)));
  h.update(readFileSync(join(ROOT, 'dist/timeline/rows.js')));
  h.update(`${draft}${mix}${T0}/${STEP_MS}/${batch}`);
  return h.digest('hex').slice(0, 12);
}

/** Tenant names of the store: the home's own tenant first ("bench"), then tenant-1 … */
export const storeTenants = (first, tenants) => Array.from({ length: tenants }, (_, t) => (t === 0 ? first : `tenant-${t}`));

/**
 * The path of the cached store of `n` spans over `tenants` tenants (made now if missing, or if `fresh`).
 * Span j has tenant j % tenants, ts T0 + j·STEP_MS, and the drafts of lib.mjs. Do not write into it: copy it.
 */
export async function cachedStore({ n, tenants, batch = 10_000, fresh = false }) {
  const cached = join(OUT, `query-home-n${n}-t${tenants}-${codeKey(batch)}`);
  if (fresh) rmSync(cached, { recursive: true, force: true });
  if (existsSync(cached)) {
    progress(`using the cached store ${cached} (--fresh to regenerate)`);
    return cached;
  }
  mkdirSync(OUT, { recursive: true });
  const tmp = initHome({ prefix: 'logline-bench-store-' });
  const home = new Home({ home: tmp });
  const signer = home.signer();
  const names = storeTenants(home.tenant(), tenants);
  home.timeline.append(names.slice(1).map((t) => tenantCreated(t, t)), signer); // the home's first tenant exists
  progress(`generating ${n} spans over ${tenants} tenants into ${tmp} (cached afterwards at ${cached})`);
  const t0 = now();
  for (let i = 0; i < n; i += batch) {
    const drafts = [];
    for (let j = i; j < Math.min(n, i + batch); j++) drafts.push(draft(j, names[j % tenants], { ts: new Date(T0 + j * STEP_MS).toISOString() }));
    await home.timeline.append(drafts, signer);
    const done = Math.min(n, i + batch);
    if ((done / batch) % 10 === 0 || done === n) progress(`${done}/${n} spans, ${Math.round(done / (ms(t0) / 1000))}/s`);
  }
  home.db.pragma('wal_checkpoint(TRUNCATE)');
  await home.close();
  progress(`generated in ${(ms(t0) / 1000).toFixed(0)} s`);
  // copy (tmp may be on another filesystem), then publish atomically by rename
  const staging = `${cached}.partial`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(tmp, staging, { recursive: true });
  renameSync(staging, cached);
  // stores of the same size made by an older schema or generator are stale: remove them
  const prefix = `query-home-n${n}-t${tenants}-`;
  for (const d of readdirSync(OUT)) {
    if (d.startsWith(prefix) && join(OUT, d) !== cached) { rmSync(join(OUT, d), { recursive: true, force: true }); progress(`removed the stale store bench/out/${d}`); }
  }
  return cached;
}
