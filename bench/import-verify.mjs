// Import and re-verification of signed spans through the CLI (cold processes, as a user runs them):
//   bin/logline --home DST import f.ndjson      goal ≥ 8k spans/s
//   bin/logline --home DST verify --all         goal ≥ 8k spans/s
// The spans are made by appending into a source home (in process) and `bin/logline export --all-tenants`.
// Baselines in the same run: raw ed25519 verify/s (node:crypto, cached public KeyObject) and the per-span
// id check (JSON.parse + canonicalize + sha256), the two costs every imported span must pay.
//   node bench/import-verify.mjs [--n 100000] [--tenants 3]
import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { openSync, closeSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson as canonicalize } from '../dist/timeline/canonical.js';
import { Home } from '../dist/node/home.js';
import { tenantCreated } from '../dist/tenants/events.js';
import { cli, draft, fmtRate, fmtX, header, initHome, ms, now, opt, progress, rate, table, tempDir } from './lib.mjs';

const N = opt('n', 100_000);
const TENANTS = opt('tenants', 3);
const GOAL = 8_000;

header('import-verify');

// --- make N signed spans in a source home, export them -------------------------------------------------
const src = initHome({ prefix: 'logline-bench-src-' });
{
  const home = new Home({ home: src });
  const signer = home.signer();
  const tenants = Array.from({ length: TENANTS }, (_, t) => (t === 0 ? home.tenant() : `bench-${t}`));
  home.timeline.append(tenants.slice(1).map((t) => tenantCreated(t, t)), signer);
  const t0 = now();
  for (let i = 0; i < N; i += 5000) {
    const drafts = [];
    for (let j = i; j < Math.min(N, i + 5000); j++) drafts.push(draft(j, tenants[j % TENANTS]));
    await home.timeline.append(drafts, signer);
  }
  progress(`made ${N} spans in ${(ms(t0) / 1000).toFixed(1)} s`);
  home.close();
}
const file = join(tempDir(), 'spans.ndjson');
{
  const fd = openSync(file, 'w');
  const t0 = now();
  cli(src, ['--quiet', 'export', '--all-tenants'], { stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  progress(`exported to ${file} (${(statSync(file).size / 1e6).toFixed(1)} MB) in ${(ms(t0) / 1000).toFixed(1)} s`);
}
const lines = N + TENANTS; // + the genesis span of each tenant

// Raw verification is measured just before the import and just after verify, and averaged: the load drifts.
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const id32 = createHash('sha256').update('x').digest();
const sig = sign(null, id32, privateKey);
const verifyRaw0 = rate(() => verify(null, id32, publicKey, sig), { minMs: 1000, minIters: 500 });

// --- the things measured: import, then verify --all, each a cold CLI process ------------------------------
const dst = initHome({ prefix: 'logline-bench-dst-', tenant: 'dst-home' }); // its own tenant: a home that founded "bench" itself would refuse the source's;
let t0 = now();
const imp = cli(dst, ['import', file]);
const importMs = ms(t0);
progress(`import: ${imp.stdout.trim().split('\n').pop()}`);
const importRate = lines / (importMs / 1000);

t0 = now();
const ver = cli(dst, ['verify', '--all']);
const verifyMs = ms(t0);
progress(`verify: ${ver.stdout.trim().split('\n').pop()}`);
const checked = Number(/(\d+) spans checked/.exec(ver.stdout)?.[1] ?? NaN);
const verifyRate = checked / (verifyMs / 1000);

// --- baselines ------------------------------------------------------------------------------------------
const verifyRaw1 = rate(() => verify(null, id32, publicKey, sig), { minMs: 1000, minIters: 500 });
const verifyRaw = (verifyRaw0 + verifyRaw1) / 2;

const sampleLines = readFileSync(file, 'utf8').split('\n', 2001).slice(1, 2001);
const idRate = rate((i) => {
  const { id: _id, sig: _sig, ...body } = JSON.parse(sampleLines[i % sampleLines.length]);
  createHash('sha256').update('logline/span/v1\n').update(canonicalize(body), 'utf8').digest();
}, { minMs: 1000, minIters: 1000 });
const serialBound = 1 / (1 / verifyRaw + 1 / idRate);

table(`import + verify ${lines.toLocaleString('en-US')} spans (${TENANTS} tenants), cold CLI processes`, [
  { what: 'logline import f.ndjson', figure: fmtRate(importRate), goal: `≥ ${fmtRate(GOAL)}`, ok: importRate >= GOAL, ratio: `${fmtX(importRate / verifyRaw)} raw verify` },
  { what: 'logline verify --all', figure: fmtRate(verifyRate), goal: `≥ ${fmtRate(GOAL)}`, ok: verifyRate >= GOAL, ratio: `${fmtX(verifyRate / verifyRaw)} raw verify` },
  { what: 'baseline: ed25519 verify, node:crypto, cached key', figure: fmtRate(verifyRaw), ratio: 'baseline' },
  { what: 'baseline: JSON.parse + canonicalize + sha256', figure: fmtRate(idRate), ratio: `${fmtX(idRate / verifyRaw)} raw verify` },
  { what: 'verify + id check per span (serial bound)', figure: fmtRate(serialBound), ratio: `${fmtX(serialBound / verifyRaw)} raw verify` },
], [
  `raw verify before import / after verify: ${fmtRate(verifyRaw0)} / ${fmtRate(verifyRaw1)} (the baseline is their mean; one core)`,
  `import ${(importMs / 1000).toFixed(1)} s, verify ${(verifyMs / 1000).toFixed(1)} s (wall, including process start)`,
]);
