// Append throughput through the core: `home.timeline.appendAsync(drafts, home.signer())` (signing in the
// crypto pool's worker threads, stored in transactions of 1000), in process,
// into a home initialised by the CLI. Goal: ≥ 20k spans/s. Baselines measured in the same run show where
// the time goes: raw ed25519 signing (node:crypto, cached KeyObject), canonical JSON + sha256 of a body,
// and raw better-sqlite3 inserts (a minimal table, and logline's own schema: spans + tags + FTS).
//   node bench/append.mjs [--n 100000] [--batch 1000]
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { canonicalJson as canonicalize } from '../dist/timeline/canonical.js';
import { Home } from '../dist/node/home.js';
import { openDb } from '../dist/store/db.js';
import { id8 } from '../dist/store/spans-repo.js';
import { draft, fmtRate, fmtX, header, initHome, ms, now, opt, progress, rate, table, tempDir } from './lib.mjs';

const N = opt('n', 100_000);
const BATCH = opt('batch', 1000);
// drafts handed to one appendAsync call: it stores them BATCH-sized transactions at a time while the
// next chunk is signed in the crypto pool's workers
const CALL = opt('call', 10000);
const GOAL = 20_000;

header('append');

// Raw signing is measured just before and just after the append, and averaged: the machine's load drifts.
const { privateKey } = generateKeyPairSync('ed25519');
const id32 = createHash('sha256').update('x').digest();
const signRate0 = rate(() => sign(null, id32, privateKey), { minMs: 1000, minIters: 1000 });

// --- the thing measured: Timeline.append through Home ---------------------------------------------------
const homeDir = initHome();
const home = new Home({ home: homeDir });
const signer = home.signer();
const tenant = home.tenant();
const t0 = now();
let sample;
for (let i = 0; i < N; i += CALL) {
  const drafts = [];
  for (let j = i; j < Math.min(N, i + CALL); j++) drafts.push(draft(j, tenant));
  const out = await home.timeline.appendAsync(drafts, signer);
  sample ??= out[0];
  progress(`appended ${Math.min(N, i + CALL)}`);
}
const appendMs = ms(t0);
const appendRate = N / (appendMs / 1000);
const stored = home.repo.count();
await home.close();

// --- baselines ------------------------------------------------------------------------------------------
// 1. ed25519 sign of a 32-byte id with a cached KeyObject (what Signer.sign does per span)
const signRate1 = rate(() => sign(null, id32, privateKey), { minMs: 1000, minIters: 1000 });
const signRate = (signRate0 + signRate1) / 2;

// 2. canonical JSON (RFC 8785) + sha256 of a realistic body: the id computation, without the shape checks
const { id: _id, sig: _sig, ...body } = sample;
const hashRate = rate(() => createHash('sha256').update('logline/span/v1\n').update(canonicalize(body), 'utf8').digest(), { minMs: 1000, minIters: 1000 });

// 3. better-sqlite3: rows of similar size into a minimal table (UNIQUE BLOB id), 1000 per transaction
const sqlRows = Math.min(N, 100_000);
const bodyText = canonicalize(body);
function fakeRow(i) {
  const id = createHash('sha256').update(`row${i}`).digest();
  return { id, sig: Buffer.concat([id, id]) };
}
const rowsCache = Array.from({ length: sqlRows }, (_, i) => fakeRow(i));
function sqliteRate(db, insertOne, batch = BATCH) {
  const tx = db.transaction((from, to) => { for (let i = from; i < to; i++) insertOne(i); });
  const t = now();
  for (let i = 0; i < sqlRows; i += batch) tx.immediate(i, Math.min(sqlRows, i + batch));
  return sqlRows / (ms(t) / 1000);
}
const dir = tempDir();
const plain = new Database(join(dir, 'plain.db'));
plain.pragma('journal_mode = WAL');
plain.pragma('synchronous = NORMAL');
plain.exec('CREATE TABLE t (rid INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, sig BLOB NOT NULL, tenant TEXT, seq INTEGER, ts TEXT, title TEXT, body TEXT)');
const plainIns = plain.prepare('INSERT INTO t (id, sig, tenant, seq, ts, title, body) VALUES (?, ?, ?, ?, ?, ?, ?)');
const plainRate = sqliteRate(plain, (i) => plainIns.run(rowsCache[i].id, rowsCache[i].sig, 'bench', i + 1, sample.ts, sample.title, bodyText));
plain.close();

// 4. better-sqlite3 into logline's schema (migrations applied by openDb): the span row, its tags and the FTS row;
//    also with 10× bigger transactions, and without the index on the id's first 8 bytes, to show the levers
const dataText = JSON.stringify(sample.data);
function schemaRate(name, { batch = BATCH, dropIdIndex = false } = {}) {
  const db = openDb(join(dir, `${name}.db`));
  if (dropIdIndex) db.exec('DROP INDEX spans_by_id8');
  const authorId = Number(db.prepare('INSERT INTO authors (did) VALUES (?)').run(sample.author).lastInsertRowid);
  const insSpan = db.prepare(`INSERT INTO spans (id, id8, sig, author, tenant, seq, prev, ts, title, status, kind, visibility, contract_id,
    workflow_id, flow_id, caused_by, body, received_at, received_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, ?, ?, NULL)`);
  const insTag = db.prepare('INSERT INTO span_tags (tag, rid) VALUES (?, ?)');
  const insFts = db.prepare('INSERT INTO spans_fts (rowid, title, data) VALUES (?, ?, ?)');
  const r = sqliteRate(db, (i) => {
    const row = rowsCache[i];
    const rid = insSpan.run(row.id, id8(row.id), row.sig, authorId, 'bench', i + 1, i === 0 ? null : rowsCache[i - 1].id, sample.ts, sample.title,
      'executed', 'user', 'organization', bodyText, Date.now()).lastInsertRowid;
    for (const tag of sample.tags) insTag.run(tag, rid);
    insFts.run(rid, sample.title, dataText);
  }, batch);
  db.close();
  return r;
}
const fullRate = schemaRate('full');
const fullBigRate = schemaRate('full-big', { batch: BATCH * 10 });
const fullNoIdRate = schemaRate('full-noid', { dropIdIndex: true });

// if the per-span costs simply added up (one core): 1 / (1/sign + 1/hash + 1/schema insert)
const serialBound = 1 / (1 / signRate + 1 / hashRate + 1 / fullRate);

table(`append ${N.toLocaleString('en-US')} spans, batches of ${BATCH} (${stored.toLocaleString('en-US')} rows stored incl. genesis)`, [
  { what: 'Timeline.appendAsync (sign + chain + store)', figure: fmtRate(appendRate), goal: `≥ ${fmtRate(GOAL)}`, ok: appendRate >= GOAL, ratio: `${fmtX(appendRate / signRate)} raw sign` },
  { what: 'baseline: ed25519 sign, node:crypto, cached key', figure: fmtRate(signRate), ratio: 'baseline' },
  { what: 'baseline: canonicalize + sha256 of a body', figure: fmtRate(hashRate), ratio: `${fmtX(hashRate / signRate)} raw sign` },
  { what: 'baseline: sqlite insert, table with UNIQUE id', figure: fmtRate(plainRate), ratio: `${fmtX(plainRate / signRate)} raw sign` },
  { what: `baseline: sqlite insert, logline schema+tags+fts`, figure: fmtRate(fullRate), ratio: `${fmtX(fullRate / signRate)} raw sign` },
  { what: `  same, ${BATCH * 10} rows per transaction`, figure: fmtRate(fullBigRate), ratio: `${fmtX(fullBigRate / signRate)} raw sign` },
  { what: `  same, without the id8 index`, figure: fmtRate(fullNoIdRate), ratio: `${fmtX(fullNoIdRate / signRate)} raw sign` },
  { what: 'sum of the three per-span costs (serial bound)', figure: fmtRate(serialBound), ratio: `append is ${fmtX(appendRate / serialBound)} of it` },
], [
  `raw sign before / after the append: ${fmtRate(signRate0)} / ${fmtRate(signRate1)} (the baseline is their mean)`,
  `append took ${(appendMs / 1000).toFixed(1)} s; per span ${(1e6 / appendRate).toFixed(1)} µs = sign ${(1e6 / signRate).toFixed(1)} + hash ${(1e6 / hashRate).toFixed(1)} + store ${(1e6 / fullRate).toFixed(1)} + rest ${(1e6 / appendRate - 1e6 / serialBound).toFixed(1)} µs`,
]);
