import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LoglineError } from '../errors/errors.js';
import { base58Encode } from '../identity/base58.js';
import { signerFromSeed } from '../identity/ed25519.js';
import { openDb, type Db } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { bodyOf, canonicalJson, spanIdBytes } from './canonical.js';
import type { Span, SpanBody } from './span.js';
import { Timeline } from './timeline.js';
import { SPAN_ERRORS, verifySpan } from './validate.js';
import { verifyStored } from './verify.js';

type Obj = Record<string, unknown>;

const SEED_A = Buffer.from('0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20', 'hex');
const SEED_B = Buffer.alloc(32, 0xb0);
const A = signerFromSeed(SEED_A);
const B = signerFromSeed(SEED_B);
const hex64 = (byte: number) => byte.toString(16).padStart(2, '0').repeat(32);

/** Recomputes `id` and `sig` of a (possibly mutated) body, so that a span fails on exactly the rule under test. */
function resign(body: Obj, seed: Uint8Array = SEED_A): Obj {
  const plain = bodyOf(body as unknown as SpanBody);
  const id = spanIdBytes(canonicalJson(plain));
  return { ...plain, id: id.toString('hex'), sig: signerFromSeed(seed).sign(id).toString('hex') };
}

function body(over: Obj = {}, author = A.did): Obj {
  return {
    v: 1, author, tenant: 'acme', seq: 1, prev: null, ts: '2026-11-28T13:02:53.873Z', title: 'Deployed api v2.3',
    status: 'executed', kind: 'user', visibility: 'organization', ...over,
  };
}

/** A valid signed span by A, with `over` applied to the body before signing. */
const signed = (over: Obj = {}, seed: Uint8Array = SEED_A) => resign(body(over, signerFromSeed(seed).did), seed);

/** A valid span with every optional field set. */
const FULL: Obj = {
  logline_id: 'logline-id://dan', data: { sha: 'ab12', n: [1, 2.5, { deep: null }] }, metadata: { note: 'é😀' },
  contract_id: 'contract-1', workflow_id: 'wf', flow_id: 'flow', caused_by: hex64(0xca), related: [hex64(0x01), 'ext:1'],
  tags: ['ci', 'deploy'], delta_s: 1.25, replay_from: hex64(0xee), replay_count: 2,
};

/** Mutates a copy of a signed span's body, then re-signs it. */
function mutated(fn: (b: Obj) => void, base: Obj = signed()): Obj {
  const b = structuredClone(bodyOf(base as unknown as SpanBody)) as unknown as Obj;
  fn(b);
  return resign(b);
}

/** Same as `mutated`, for bodies that have no canonical form: keeps the old id and sig. */
function unsignable(fn: (b: Obj) => void): Obj {
  const s = structuredClone(signed());
  fn(s);
  return s;
}

/** The error code verifySpan throws, or 'OK'. Anything thrown that is not a LoglineError fails the test. */
function codeOf(value: unknown): string {
  try {
    verifySpan(value);
    return 'OK';
  } catch (e) {
    expect(e).toBeInstanceOf(LoglineError);
    return (e as LoglineError).code;
  }
}

/** Temp SQLite files: each helper call registers its own cleanup, drained after each test. */
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});
function tempTimeline(): { db: Db; repo: SpansRepo; timeline: Timeline } {
  const dir = mkdtempSync(join(tmpdir(), 'logline-'));
  const db = openDb(join(dir, 'node.db'));
  cleanups.push(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const repo = new SpansRepo(db);
  return { db, repo, timeline: new Timeline(repo) };
}

/* Every invalid span of SPEC §2, with the code it must be rejected with. */
const BAD: [name: string, code: string, span: () => unknown][] = [
  // not an object
  ['null', 'SPAN_NOT_OBJECT', () => null],
  ['array', 'SPAN_NOT_OBJECT', () => [signed()]],
  ['string', 'SPAN_NOT_OBJECT', () => JSON.stringify(signed())],
  ['number', 'SPAN_NOT_OBJECT', () => 1],

  // id and sig
  ['title changed after signing', 'SPAN_BAD_ID', () => ({ ...signed(), title: 'Deployed api v2.4' })],
  ['data added after signing', 'SPAN_BAD_ID', () => ({ ...signed(), data: { x: 1 } })],
  ['id of another span', 'SPAN_BAD_ID', () => ({ ...signed(), id: signed({ title: 'other' }).id })],
  ['id all zeros', 'SPAN_BAD_ID', () => ({ ...signed(), id: hex64(0) })],
  ['sig with one bit flipped', 'SPAN_BAD_SIG', () => {
    const s = signed();
    const sig = Buffer.from(s.sig as string, 'hex');
    sig[10] ^= 0x01;
    return { ...s, sig: sig.toString('hex') };
  }],
  ['sig of the id by another key', 'SPAN_BAD_SIG', () => {
    const s = signed();
    return { ...s, sig: B.sign(Buffer.from(s.id as string, 'hex')).toString('hex') };
  }],
  ['body naming B as author, signed by A', 'SPAN_BAD_SIG', () => resign(body({}, B.did), SEED_A)],
  ['sig of another span', 'SPAN_BAD_SIG', () => ({ ...signed(), sig: signed({ title: 'other' }).sig })],
  ['sig all zeros', 'SPAN_BAD_SIG', () => ({ ...signed(), sig: '0'.repeat(128) })],

  // author
  ['author is not a did', 'SPAN_BAD_AUTHOR', () => mutated((b) => { b.author = 'dan'; })],
  ['author did:web', 'SPAN_BAD_AUTHOR', () => mutated((b) => { b.author = 'did:web:example.com'; })],
  ['author x25519 did:key', 'SPAN_BAD_AUTHOR', () => mutated((b) => { b.author = `did:key:z${base58Encode(Uint8Array.from([0xec, 0x01, ...A.publicKey]))}`; })],
  ['author with a bad base58 char', 'SPAN_BAD_AUTHOR', () => mutated((b) => { b.author = `${A.did.slice(0, 20)}0${A.did.slice(21)}`; })],
  ['author truncated', 'SPAN_BAD_AUTHOR', () => mutated((b) => { b.author = A.did.slice(0, -2); })],
  ['author is a number', 'SPAN_BAD_AUTHOR', () => mutated((b) => { b.author = 42; })],

  // fields
  ['unknown field', 'SPAN_UNKNOWN_FIELD', () => mutated((b) => { b.foo = 1; })],
  ['field in the wrong case', 'SPAN_UNKNOWN_FIELD', () => mutated((b) => { b.Title = 'x'; })],
  ['original LogLine field not in v1', 'SPAN_UNKNOWN_FIELD', () => mutated((b) => { b.created_at = '2026-11-28T13:02:53.873Z'; })],
  ['__proto__ from JSON.parse', 'SPAN_UNKNOWN_FIELD', () => JSON.parse(`${JSON.stringify(signed()).slice(0, -1)},"__proto__":{"v":1}}`)],
  ['optional data null', 'SPAN_NULL_FIELD', () => mutated((b) => { b.data = null; })],
  ['optional tags null', 'SPAN_NULL_FIELD', () => mutated((b) => { b.tags = null; })],
  ['optional caused_by null', 'SPAN_NULL_FIELD', () => mutated((b) => { b.caused_by = null; })],
  ['required title null', 'SPAN_NULL_FIELD', () => mutated((b) => { b.title = null; })],
  ['id null', 'SPAN_NULL_FIELD', () => ({ ...signed(), id: null })],
  ...(['v', 'author', 'tenant', 'seq', 'prev', 'ts', 'title', 'status', 'kind', 'visibility'] as const).map(
    (key): [string, string, () => unknown] => [`missing ${key}`, 'SPAN_MISSING_FIELD', () => mutated((b) => { delete b[key]; })],
  ),
  ['missing id', 'SPAN_MISSING_FIELD', () => { const { id: _id, ...s } = signed(); return s; }],
  ['missing sig', 'SPAN_MISSING_FIELD', () => { const { sig: _sig, ...s } = signed(); return s; }],

  // version
  ['v 2', 'SPAN_BAD_VERSION', () => mutated((b) => { b.v = 2; })],
  ['v 0', 'SPAN_BAD_VERSION', () => mutated((b) => { b.v = 0; })],
  ['v "1"', 'SPAN_BAD_VERSION', () => mutated((b) => { b.v = '1'; })],

  // enums
  ['status done', 'SPAN_BAD_ENUM', () => mutated((b) => { b.status = 'done'; })],
  ['status upper-case', 'SPAN_BAD_ENUM', () => mutated((b) => { b.status = 'Executed'; })],
  ['kind robot', 'SPAN_BAD_ENUM', () => mutated((b) => { b.kind = 'robot'; })],
  ['visibility secret', 'SPAN_BAD_ENUM', () => mutated((b) => { b.visibility = 'secret'; })],
  ['status a number', 'SPAN_BAD_ENUM', () => mutated((b) => { b.status = 1; })],

  // ts
  ...[
    '2026-11-28T13:02:53Z', '2026-11-28T13:02:53.873+00:00', '2026-02-30T00:00:00.000Z', '2026-02-29T00:00:00.000Z',
    '2026-11-28 13:02:53.873Z', '2026-11-28T13:02:53.87Z', '2026-11-28T13:02:53.8730Z', '2026-11-28T13:02:53.873z',
    '2026-11-28t13:02:53.873Z', '2026-11-28T24:00:00.000Z', '2026-13-01T00:00:00.000Z', '2026-11-31T00:00:00.000Z',
    '2026-11-28T13:60:00.000Z', '2026-11-28T13:02:60.000Z', '+022026-11-28T13:02:53.873Z', '2026-11-28', ' 2026-11-28T13:02:53.873Z',
    '2026-11-28T13:02:53.873Z\n',
  ].map((ts): [string, string, () => unknown] => [`ts ${JSON.stringify(ts)}`, 'SPAN_BAD_TS', () => mutated((b) => { b.ts = ts; })]),
  ['ts a number', 'SPAN_BAD_TS', () => mutated((b) => { b.ts = 1795870973873; })],

  // title
  ['title with \\n', 'SPAN_BAD_TITLE', () => mutated((b) => { b.title = 'line one\nline two'; })],
  ['title with \\r\\n', 'SPAN_BAD_TITLE', () => mutated((b) => { b.title = 'line one\r\nline two'; })],
  ['title with a lone \\r', 'SPAN_BAD_TITLE', () => mutated((b) => { b.title = 'a\rb'; })],
  ['title with U+2028', 'SPAN_BAD_TITLE', () => mutated((b) => { b.title = 'a\u2028b'; })],
  ['title with U+2029', 'SPAN_BAD_TITLE', () => mutated((b) => { b.title = 'a\u2029b'; })],
  ['title of 513 chars', 'SPAN_BAD_TITLE', () => mutated((b) => { b.title = 'x'.repeat(513); })],
  ['title of 513 emoji', 'SPAN_BAD_TITLE', () => mutated((b) => { b.title = '😀'.repeat(513); })],
  ['title a number', 'SPAN_BAD_TYPE', () => mutated((b) => { b.title = 5; })],

  // sorted, unique arrays
  ['tags unsorted', 'SPAN_UNSORTED', () => mutated((b) => { b.tags = ['deploy', 'ci']; })],
  ['tags duplicate', 'SPAN_UNSORTED', () => mutated((b) => { b.tags = ['ci', 'ci']; })],
  ['tags in code point order, not UTF-16 order', 'SPAN_UNSORTED', () => mutated((b) => { b.tags = ['\uff61', '😀']; })],
  ['tags upper-case after lower-case', 'SPAN_UNSORTED', () => mutated((b) => { b.tags = ['a', 'B']; })],
  ['related unsorted', 'SPAN_UNSORTED', () => mutated((b) => { b.related = [hex64(2), hex64(1)]; })],
  ['related duplicate', 'SPAN_UNSORTED', () => mutated((b) => { b.related = ['ext:1', 'ext:2', 'ext:2']; })],

  // size
  ['canonical body of 65537 bytes', 'SPAN_TOO_LARGE', () => mutated((b) => { b.data = { pad: 'x'.repeat(padFor(b, 64 * 1024 + 1)) }; })],
  ['canonical body of 1 MiB', 'SPAN_TOO_LARGE', () => mutated((b) => { b.data = { pad: 'é'.repeat(512 * 1024) }; })],

  // chain fields
  ['seq 0', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = 0; })],
  ['seq -1', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = -1; })],
  ['seq 1.5', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = 1.5; })],
  ['seq "1"', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = '1'; })],
  ['seq beyond 2^53', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = 2 ** 53; b.prev = hex64(1); })],
  ['seq null on an organization span', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = null; })],
  ['seq null on a public span', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = null; b.visibility = 'public'; })],
  ['seq 1 with a prev', 'SPAN_BAD_SEQ', () => mutated((b) => { b.prev = hex64(1); })],
  ['seq 2 without prev', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = 2; })],
  ['seq 2 with a short prev', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = 2; b.prev = 'ab12'; })],
  ['seq 2 with an upper-case prev', 'SPAN_BAD_SEQ', () => mutated((b) => { b.seq = 2; b.prev = 'AB'.repeat(32); })],
  ['private span with seq 1', 'SPAN_BAD_SEQ', () => mutated((b) => { b.visibility = 'private'; })],
  ['private span with a prev', 'SPAN_BAD_SEQ', () => mutated((b) => { b.visibility = 'private'; b.seq = null; b.prev = hex64(1); })],

  // hex
  ['id upper-case', 'SPAN_BAD_HEX', () => { const s = signed(); return { ...s, id: (s.id as string).toUpperCase() }; }],
  ['id 63 chars', 'SPAN_BAD_HEX', () => { const s = signed(); return { ...s, id: (s.id as string).slice(1) }; }],
  ['id as 0x-prefixed', 'SPAN_BAD_HEX', () => { const s = signed(); return { ...s, id: `0x${(s.id as string).slice(2)}` }; }],
  ['sig 127 chars', 'SPAN_BAD_HEX', () => { const s = signed(); return { ...s, sig: (s.sig as string).slice(1) }; }],
  ['sig base64', 'SPAN_BAD_HEX', () => { const s = signed(); return { ...s, sig: Buffer.from(s.sig as string, 'hex').toString('base64') }; }],
  ['sig not hex', 'SPAN_BAD_HEX', () => ({ ...signed(), sig: 'g'.repeat(128) })],
  ['caused_by not hex', 'SPAN_BAD_HEX', () => mutated((b) => { b.caused_by = 'z'.repeat(64); })],
  ['caused_by upper-case', 'SPAN_BAD_HEX', () => mutated((b) => { b.caused_by = 'AB'.repeat(32); })],
  ['replay_from short', 'SPAN_BAD_HEX', () => mutated((b) => { b.replay_from = 'ab'; })],

  // tenant
  ...['Acme', 'acme labs', '-acme', 'acme-', 'a--b', '', 'acmé', 'acme_labs', 'a'.repeat(129)].map(
    (tenant): [string, string, () => unknown] => [`tenant ${JSON.stringify(tenant.length > 20 ? `${tenant.slice(0, 5)}…(${tenant.length})` : tenant)}`, 'SPAN_BAD_TENANT', () => mutated((b) => { b.tenant = tenant; })],
  ),
  ['tenant a number', 'SPAN_BAD_TENANT', () => mutated((b) => { b.tenant = 1; })],

  // types
  ['data an array', 'SPAN_BAD_TYPE', () => mutated((b) => { b.data = [1, 2]; })],
  ['data a string', 'SPAN_BAD_TYPE', () => mutated((b) => { b.data = '{"a":1}'; })],
  ['data a number', 'SPAN_BAD_TYPE', () => mutated((b) => { b.data = 1; })],
  ['metadata an array', 'SPAN_BAD_TYPE', () => mutated((b) => { b.metadata = []; })],
  ['contract_id empty', 'SPAN_BAD_TYPE', () => mutated((b) => { b.contract_id = ''; })],
  ['workflow_id a number', 'SPAN_BAD_TYPE', () => mutated((b) => { b.workflow_id = 7; })],
  ['flow_id of 513 chars', 'SPAN_BAD_TYPE', () => mutated((b) => { b.flow_id = 'f'.repeat(513); })],
  ['logline_id without scheme', 'SPAN_BAD_TYPE', () => mutated((b) => { b.logline_id = 'dan'; })],
  ['logline_id with a path', 'SPAN_BAD_TYPE', () => mutated((b) => { b.logline_id = 'logline-id://dan/x'; })],
  ['tags a string', 'SPAN_BAD_TYPE', () => mutated((b) => { b.tags = 'deploy'; })],
  ['tags with a number', 'SPAN_BAD_TYPE', () => mutated((b) => { b.tags = [1]; })],
  ['tags with an empty string', 'SPAN_BAD_TYPE', () => mutated((b) => { b.tags = ['']; })],
  ['related an object', 'SPAN_BAD_TYPE', () => mutated((b) => { b.related = { a: 1 }; })],
  ['delta_s negative', 'SPAN_BAD_TYPE', () => mutated((b) => { b.delta_s = -1; })],
  ['delta_s a string', 'SPAN_BAD_TYPE', () => mutated((b) => { b.delta_s = '1.5'; })],
  ['delta_s Infinity', 'SPAN_BAD_TYPE', () => unsignable((s) => { s.delta_s = Infinity; })],
  ['replay_count 1.5', 'SPAN_BAD_TYPE', () => mutated((b) => { b.replay_count = 1.5; })],
  ['replay_count -1', 'SPAN_BAD_TYPE', () => mutated((b) => { b.replay_count = -1; })],

  // no canonical form
  ['lone surrogate in the title', 'SPAN_NOT_CANONICAL', () => unsignable((s) => { s.title = 'broken \ud800 title'; })],
  ['lone surrogate in a data key', 'SPAN_NOT_CANONICAL', () => unsignable((s) => { s.data = { ['\udc00']: 1 }; })],
  ['NaN in data', 'SPAN_NOT_CANONICAL', () => unsignable((s) => { s.data = { n: NaN }; })],
];

/** Length of an ASCII pad in `data.pad` that makes the canonical body exactly `bytes` long. */
function padFor(b: Obj, bytes: number): number {
  const without = Buffer.byteLength(canonicalJson({ ...bodyOf(b as unknown as SpanBody), data: { pad: '' } }), 'utf8');
  return bytes - without;
}

describe('verifySpan: valid spans', () => {
  it('accepts a minimal signed span and a span with every optional field', () => {
    expect(codeOf(signed())).toBe('OK');
    expect(codeOf(signed(FULL))).toBe('OK');
    expect(verifySpan(signed(FULL)).body).toBe(canonicalJson(bodyOf(signed(FULL) as unknown as Span)));
  });

  it('accepts the boundaries of each rule', () => {
    const ok: [string, Obj][] = [
      ['title of 512 chars', { title: 'x'.repeat(512) }],
      ['title of 512 emoji (1024 UTF-16 units)', { title: '😀'.repeat(512) }],
      ['empty title', { title: '' }],
      ['title with a tab', { title: 'a\tb' }],
      ['leap day', { ts: '2024-02-29T23:59:59.999Z' }],
      ['epoch', { ts: '1970-01-01T00:00:00.000Z' }],
      ['tags in UTF-16 order', { tags: ['A', 'a', '😀', '\uff61'] }],
      ['one tag', { tags: ['x'] }],
      ['empty tags', { tags: [] }],
      ['seq 2 with a prev', { seq: 2, prev: hex64(0xab) }],
      ['private span, seq and prev null', { visibility: 'private', seq: null, prev: null }],
      ['every status', { status: 'ghost' }],
      ['kind organization', { kind: 'organization' }],
      ['public', { visibility: 'public' }],
      ['tenant of 128 chars', { tenant: 'a'.repeat(128) }],
      ['tenant with dashes and digits', { tenant: 'voulez-vous-2' }],
      ['delta_s 0', { delta_s: 0 }],
      ['empty data', { data: {} }],
    ];
    for (const [name, over] of ok) expect(codeOf(signed(over)), name).toBe('OK');
    expect(codeOf(signed({ seq: 3, prev: hex64(1) }, SEED_B)), 'signed by B').toBe('OK');
  });

  it('accepts a canonical body of exactly 64 KiB and rejects one byte more', () => {
    const exact = mutated((b) => { b.data = { pad: 'x'.repeat(padFor(b, 64 * 1024)) }; });
    expect(Buffer.byteLength(canonicalJson(bodyOf(exact as unknown as Span)), 'utf8')).toBe(64 * 1024);
    expect(codeOf(exact)).toBe('OK');
    const over = mutated((b) => { b.data = { pad: 'x'.repeat(padFor(b, 64 * 1024 + 1)) }; });
    expect(codeOf(over)).toBe('SPAN_TOO_LARGE');
  });

  it('does not care about key order or whitespace on the wire', () => {
    const s = signed(FULL);
    const reordered = Object.fromEntries(Object.entries(s).reverse());
    expect(codeOf(reordered)).toBe('OK');
    expect(codeOf(JSON.parse(JSON.stringify(s, null, 2)))).toBe('OK');
  });
});

describe('verifySpan: each rule of SPEC §2 fails with its own code', () => {
  for (const [name, code, make] of BAD) {
    it(`${name} → ${code}`, () => {
      expect(codeOf(make())).toBe(code);
    });
  }

  it('covers every span error code', () => {
    const covered = new Set(BAD.map(([, code]) => code));
    expect(Object.keys(SPAN_ERRORS).filter((c) => !covered.has(c))).toEqual([]);
  });

  it('gives each error a hint', () => {
    try {
      verifySpan(mutated((b) => { b.tags = ['b', 'a']; }));
      expect.unreachable();
    } catch (e) {
      expect((e as LoglineError).hint).toBe(SPAN_ERRORS.SPAN_UNSORTED);
      expect((e as LoglineError).message).toContain('tags');
    }
  });
});

describe('Timeline.ingest rejects every invalid span with the same code and stores nothing', () => {
  let dir: string;
  let db: Db;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logline-'));
    db = openDb(join(dir, 'node.db'));
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects the whole table', () => {
    const repo = new SpansRepo(db);
    const timeline = new Timeline(repo);
    const results = timeline.ingest(BAD.map(([, , make]) => make()));
    expect(results.map((r) => (r.outcome === 'rejected' ? r.error.code : r.outcome))).toEqual(BAD.map(([, code]) => code));
    expect(repo.count()).toBe(0);
    expect((db.prepare('SELECT count(*) AS n FROM forks').get() as { n: number }).n).toBe(0);
  });
});

/** A chain of n valid spans by `seed` in `tenant`, seq 1..n. */
function chain(n: number, seed: Uint8Array = SEED_A, tenant = 'acme', tag = ''): Span[] {
  const out: Span[] = [];
  for (let seq = 1; seq <= n; seq++) {
    out.push(signed({ tenant, seq, prev: seq === 1 ? null : out[seq - 2].id, title: `step ${seq}${tag}` }, seed) as unknown as Span);
  }
  return out;
}

const outcomes = (results: ReturnType<Timeline['ingest']>) => results.map((r) => (r.outcome === 'rejected' ? r.error.code : r.outcome));
const count = (db: Db, table: 'spans' | 'forks') => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('chain rules through Timeline.ingest on SQLite', () => {
  it('stores a valid chain in order, and verifyStored is clean', async () => {
    const { repo, timeline } = tempTimeline();
    const spans = chain(4);
    expect(outcomes(timeline.ingest(spans))).toEqual(['stored', 'stored', 'stored', 'stored']);
    expect(repo.head(A.did, 'acme')?.seq).toBe(4);
    expect(repo.head(A.did, 'acme')?.id.toString('hex')).toBe(spans[3].id);
    const report = await verifyStored(repo);
    expect(report).toMatchObject({ checked: 4, forks: 0, ok: true, findings: [] });
  });

  it('a prev that is not the id at seq - 1 → CHAIN_BROKEN_PREV, not stored', () => {
    const { db, timeline } = tempTimeline();
    const [first] = chain(1);
    expect(outcomes(timeline.ingest([first]))).toEqual(['stored']);
    const bad = signed({ seq: 2, prev: hex64(0x42), title: 'wrong prev' }) as unknown as Span;
    const other = chain(2, SEED_A, 'acme', ' elsewhere')[1]; // prev = seq 1 of a different (unstored) chain
    const results = timeline.ingest([bad, other]);
    expect(outcomes(results)).toEqual(['CHAIN_BROKEN_PREV', 'CHAIN_BROKEN_PREV']);
    expect(results[0].outcome === 'rejected' && results[0].error).toBeInstanceOf(LoglineError);
    expect(count(db, 'spans')).toBe(1);
  });

  it('a missing seq - 1 → CHAIN_GAP, not stored; filling the gap lets it in', () => {
    const { db, timeline } = tempTimeline();
    const spans = chain(3);
    expect(outcomes(timeline.ingest([spans[1]]))).toEqual(['CHAIN_GAP']);
    expect(outcomes(timeline.ingest([spans[0], spans[2]]))).toEqual(['stored', 'CHAIN_GAP']);
    expect(count(db, 'spans')).toBe(1);
    expect(outcomes(timeline.ingest([spans[1], spans[2]]))).toEqual(['stored', 'stored']);
    expect(count(db, 'spans')).toBe(3);
  });

  it('chains are per (author, tenant): the same seq in another tenant or by another author is no fork', () => {
    const { db, timeline } = tempTimeline();
    const results = timeline.ingest([...chain(2, SEED_A, 'acme'), ...chain(2, SEED_A, 'other'), ...chain(2, SEED_B, 'acme')]);
    expect(outcomes(results)).toEqual(Array(6).fill('stored'));
    expect(count(db, 'forks')).toBe(0);
    // A's seq 2 in "acme" cannot chain onto B's seq 1 in "acme".
    const cross = signed({ seq: 3, prev: chain(2, SEED_B, 'acme')[1].id }, SEED_A);
    expect(outcomes(timeline.ingest([cross]))).toEqual(['CHAIN_BROKEN_PREV']);
  });

  it('a second, different span at a stored (author, tenant, seq) is a fork: both kept, the first canonical', async () => {
    const { db, repo, timeline } = tempTimeline();
    const spans = chain(3);
    const rival = signed({ seq: 2, prev: spans[0].id, title: 'the other step 2' }) as unknown as Span;
    expect(outcomes(timeline.ingest(spans))).toEqual(['stored', 'stored', 'stored']);
    const results = timeline.ingest([rival], 'peer-x');
    expect(outcomes(results)).toEqual(['fork']);
    expect(results[0].outcome === 'fork' && results[0].span.id).toBe(rival.id);

    expect(count(db, 'spans')).toBe(3);
    expect(count(db, 'forks')).toBe(1);
    expect(repo.idAtSeq(A.did, 'acme', 2)?.toString('hex')).toBe(spans[1].id);
    const fork = db.prepare('SELECT id, canonical_id, seq, tenant, received_from FROM forks').get() as
      { id: Buffer; canonical_id: Buffer; seq: number; tenant: string; received_from: string };
    expect(fork.id.toString('hex')).toBe(rival.id);
    expect(fork.canonical_id.toString('hex')).toBe(spans[1].id);
    expect(fork).toMatchObject({ seq: 2, tenant: 'acme', received_from: 'peer-x' });
    expect(repo.byId(Buffer.from(rival.id, 'hex'))?.body).toBe(canonicalJson(bodyOf(rival)));

    const report = await verifyStored(repo);
    expect(report.ok).toBe(false);
    expect(report.forks).toBe(1);
    expect(report.checked).toBe(3);
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ code: 'CHAIN_FORK', id: rival.id, author: A.did, tenant: 'acme', seq: 2 });
    expect(report.findings[0].message).not.toContain('does not verify');

    // The fork evidence is itself known: sending it again is a duplicate, and the chain goes on from the canonical span.
    expect(outcomes(timeline.ingest([rival]))).toEqual(['duplicate']);
    expect(count(db, 'forks')).toBe(1);
    const next = signed({ seq: 4, prev: spans[2].id }) as unknown as Span;
    expect(outcomes(timeline.ingest([next]))).toEqual(['stored']);
  });

  it('a fork at seq 1 is detected too', async () => {
    const { repo, timeline } = tempTimeline();
    const [a] = chain(1);
    const b = signed({ title: 'another genesis' }) as unknown as Span;
    expect(outcomes(timeline.ingest([a, b]))).toEqual(['stored', 'fork']);
    expect((await verifyStored(repo)).findings.map((f) => f.code)).toEqual(['CHAIN_FORK']);
  });

  it('re-ingesting a stored span → duplicate, nothing written, no commit event', () => {
    const { db, timeline } = tempTimeline();
    const spans = chain(2);
    const committed: string[][] = [];
    timeline.onCommit((s) => committed.push(s.map((x) => x.id)));
    expect(outcomes(timeline.ingest([spans[0], spans[0]]))).toEqual(['stored', 'duplicate']);
    expect(outcomes(timeline.ingest(spans))).toEqual(['duplicate', 'stored']);
    expect(outcomes(timeline.ingest(spans))).toEqual(['duplicate', 'duplicate']);
    expect(count(db, 'spans')).toBe(2);
    expect(committed).toEqual([[spans[0].id], [spans[1].id]]);
  });

  it('a private span (seq null) is stored unchained and does not move the chain', async () => {
    const { db, repo, timeline } = tempTimeline();
    const p1 = signed({ visibility: 'private', seq: null, prev: null, title: 'note to self' }) as unknown as Span;
    const p2 = signed({ visibility: 'private', seq: null, prev: null, title: 'another note' }) as unknown as Span;
    expect(outcomes(timeline.ingest([p1, p2, p1]))).toEqual(['stored', 'stored', 'duplicate']);
    const row = repo.byId(Buffer.from(p1.id, 'hex'))!;
    expect(row.seq).toBeNull();
    expect(row.prev).toBeNull();
    expect(repo.head(A.did, 'acme')).toBeUndefined();

    // The first public span is still seq 1, and locally appended spans chain past the private ones.
    expect(outcomes(timeline.ingest(chain(1)))).toEqual(['stored']);
    const [priv, pub] = timeline.append([{ tenant: 'acme', title: 'mine', visibility: 'private' }, { tenant: 'acme', title: 'ours' }], A);
    expect(priv).toMatchObject({ seq: null, prev: null });
    expect(pub).toMatchObject({ seq: 2, prev: chain(1)[0].id });
    expect(count(db, 'spans')).toBe(5);
    expect(await verifyStored(repo)).toMatchObject({ ok: true, checked: 5, forks: 0 });
  });

  it('Timeline.append continues an ingested chain', async () => {
    const { repo, timeline } = tempTimeline();
    const spans = chain(3);
    timeline.ingest(spans);
    const [next] = timeline.append([{ tenant: 'acme', title: 'local' }], A);
    expect(next.seq).toBe(4);
    expect(next.prev).toBe(spans[2].id);
    expect(codeOf(next)).toBe('OK');
    expect((await verifyStored(repo)).ok).toBe(true);
  });

  it('Timeline.append refuses a draft that carries id or sig (an unsigned body has neither)', () => {
    const { db, timeline } = tempTimeline();
    for (const extra of [{ id: hex64(0xff) }, { sig: '0'.repeat(128) }]) {
      let code = 'OK';
      try {
        timeline.append([{ tenant: 'acme', title: 'x', ...extra } as Parameters<Timeline['append']>[0][number]], A);
      } catch (e) {
        code = (e as LoglineError).code;
      }
      expect(code).toBe('SPAN_UNKNOWN_FIELD');
    }
    expect(count(db, 'spans')).toBe(0);
  });
});

describe('append-only triggers', () => {
  it('refuse UPDATE and DELETE on spans, span_tags and forks', () => {
    const { db, timeline } = tempTimeline();
    const spans = chain(2);
    const tagged = signed({ seq: 3, prev: spans[1].id, tags: ['deploy'] }) as unknown as Span;
    const rival = signed({ seq: 2, prev: spans[0].id, title: 'rival' }) as unknown as Span;
    expect(outcomes(timeline.ingest([...spans, tagged, rival]))).toEqual(['stored', 'stored', 'stored', 'fork']);
    const before = db.prepare('SELECT rid, id, title, body FROM spans ORDER BY rid').all();

    const attempts = [
      'UPDATE spans SET title = \'rewritten\'',
      'UPDATE spans SET seq = seq + 1 WHERE seq = 3',
      'UPDATE spans SET received_from = \'x\'',
      'DELETE FROM spans WHERE seq = 3',
      'DELETE FROM spans',
      'UPDATE span_tags SET tag = \'other\'',
      'DELETE FROM span_tags',
      'UPDATE forks SET canonical_id = id',
      'DELETE FROM forks',
    ];
    for (const sql of attempts) expect(() => db.prepare(sql).run(), sql).toThrow(/append-only/);
    expect(() => db.exec('BEGIN; DELETE FROM spans; COMMIT;')).toThrow(/append-only/);
    if (db.inTransaction) db.exec('ROLLBACK');

    expect(db.prepare('SELECT rid, id, title, body FROM spans ORDER BY rid').all()).toEqual(before);
    expect(count(db, 'spans')).toBe(3);
    expect(count(db, 'forks')).toBe(1);
    expect((db.prepare('SELECT tag FROM span_tags').pluck().all())).toEqual(['deploy']);
  });

  it('a stored span can be read back unchanged and re-verified', () => {
    const { repo, timeline } = tempTimeline();
    const [s] = chain(1);
    timeline.ingest([s]);
    const row = repo.byId(Buffer.from(s.id, 'hex'))!;
    expect(row.body).toBe(canonicalJson(bodyOf(s)));
    expect(row.sig.toString('hex')).toBe(s.sig);
    expect(row.received_from).toBeNull();
  });
});
