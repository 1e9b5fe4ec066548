import { createHash, randomBytes, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { canonicalJson } from '../timeline/canonical.js';
import type { Span, SpanDraft, SpanKind, SpanStatus, SpanVisibility } from '../timeline/span.js';
import { Timeline } from '../timeline/timeline.js';
import { verifySpan } from '../timeline/validate.js';
import { verifyStored } from '../timeline/verify.js';
import { wireSpan, wireText } from '../timeline/wire.js';
import { base58Decode, base58Encode } from './base58.js';
import { didFromPublicKey, peerIdFromDid, peerIdFromPublicKey, publicKeyFromDid } from './did-key.js';
import { keyObjectForDid, publicKeyObject, signerFromSeed, verifyByDid, type Signer } from './ed25519.js';

ed.hashes.sha512 = sha512;

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

/** RFC 8032 §7.1, test vectors for Ed25519 (secret key = 32-byte seed). */
const RFC8032 = [
  {
    name: 'TEST 1 (empty message)',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
      '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac' +
      '18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST SHA(abc) (64-byte message)',
    secret: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    public: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
      '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature: 'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589' +
      '09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
] as const;

describe('ed25519: RFC 8032 §7.1 test vectors', () => {
  it('TEST SHA(abc) signs SHA-512("abc")', () => {
    expect(createHash('sha512').update('abc').digest('hex')).toBe(RFC8032[3].message);
  });

  for (const v of RFC8032) {
    it(v.name, () => {
      const seed = unhex(v.secret);
      const message = unhex(v.message);
      const signature = unhex(v.signature);
      const signer = signerFromSeed(seed);
      expect(hex(signer.publicKey)).toBe(v.public);
      expect(signer.did).toBe(didFromPublicKey(unhex(v.public)));
      expect(signer.sign(message).toString('hex')).toBe(v.signature);

      expect(verifyByDid(signer.did, message, signature)).toBe(true);
      expect(nodeVerify(null, message, publicKeyObject(unhex(v.public)), signature)).toBe(true);
      expect(ed.verify(signature, message, unhex(v.public))).toBe(true);
      expect(hex(ed.sign(message, seed))).toBe(v.signature);

      // Any flipped bit in the signature or the message fails.
      const badSig = Uint8Array.from(signature);
      badSig[0] ^= 0x01;
      expect(verifyByDid(signer.did, message, badSig)).toBe(false);
      const badMsg = Uint8Array.from([...message, 0x00]);
      expect(verifyByDid(signer.did, badMsg, signature)).toBe(false);
    });
  }

  it('a signature from another key does not verify', () => {
    const [a, b] = [RFC8032[0], RFC8032[1]];
    const didB = didFromPublicKey(unhex(b.public));
    expect(verifyByDid(didB, unhex(a.message), unhex(a.signature))).toBe(false);
  });

  it('verifyByDid is false (never throws) on malformed input', () => {
    const v = RFC8032[1];
    const did = didFromPublicKey(unhex(v.public));
    expect(verifyByDid(did, unhex(v.message), unhex(v.signature).subarray(0, 63))).toBe(false);
    expect(verifyByDid(did, unhex(v.message), new Uint8Array(65))).toBe(false);
    expect(verifyByDid('did:key:nope', unhex(v.message), unhex(v.signature))).toBe(false);
    expect(keyObjectForDid('did:key:nope')).toBeNull();
    // 32 bytes that are not a point on the curve: a well-formed did:key, but nothing verifies against it.
    const notAPoint = didFromPublicKey(new Uint8Array(32).fill(0xff));
    expect(publicKeyFromDid(notAPoint)).not.toBeNull();
    expect(verifyByDid(notAPoint, unhex(v.message), unhex(v.signature))).toBe(false);
  });

  it('signerFromSeed refuses a seed that is not 32 bytes', () => {
    expect(() => signerFromSeed(new Uint8Array(31))).toThrow(RangeError);
    expect(() => signerFromSeed(new Uint8Array(64))).toThrow(RangeError);
  });
});

/** Independent base58btc (BigInt arithmetic), to cross-check the project's byte-wise codec. */
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function refBase58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

describe('base58btc', () => {
  it('matches the known examples of draft-msporny-base58', () => {
    expect(base58Encode(new TextEncoder().encode('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U');
    expect(base58Encode(unhex('0000287fb4cd'))).toBe('11233QC4');
    expect(hex(base58Decode('11233QC4')!)).toBe('0000287fb4cd');
  });

  it('round-trips random byte strings and agrees with a BigInt reference', () => {
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(randomBytes(i % 50));
      if (i % 7 === 0 && bytes.length > 2) bytes.fill(0, 0, 2);
      const text = base58Encode(bytes);
      expect(text).toBe(refBase58(bytes));
      expect(hex(base58Decode(text)!)).toBe(hex(bytes));
    }
  });

  it('rejects characters outside the alphabet', () => {
    for (const bad of ['0', 'O', 'I', 'l', '+', ' ', 'é']) expect(base58Decode(`abc${bad}def`)).toBeNull();
  });
});

describe('did:key and peer id', () => {
  const ED_MULTICODEC = Uint8Array.of(0xed, 0x01);
  const key = (s: Signer) => s.publicKey;

  it('round-trips random keys; every ed25519 did:key starts with z6Mk', () => {
    for (let i = 0; i < 200; i++) {
      const signer = signerFromSeed(randomBytes(32));
      const did = didFromPublicKey(key(signer));
      expect(did).toBe(signer.did);
      expect(did.startsWith('did:key:z6Mk')).toBe(true);
      expect(did).toBe(`did:key:z${refBase58(Uint8Array.from([...ED_MULTICODEC, ...key(signer)]))}`);
      expect(hex(publicKeyFromDid(did)!)).toBe(hex(key(signer)));
    }
  });

  it('round-trips edge-case keys (all zero, all 0xff)', () => {
    for (const pub of [new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
      const did = didFromPublicKey(pub);
      expect(did.startsWith('did:key:z6Mk')).toBe(true);
      expect(hex(publicKeyFromDid(did)!)).toBe(hex(pub));
    }
  });

  it('rejects malformed did:key strings', () => {
    const pub = signerFromSeed(unhex(RFC8032[0].secret)).publicKey;
    const good = didFromPublicKey(pub);
    const body = good.slice('did:key:z'.length);
    const enc = (bytes: number[]) => `did:key:z${base58Encode(Uint8Array.from(bytes))}`;
    const cases: Record<string, string> = {
      'did:web prefix': `did:web:z${body}`,
      'no did: prefix': `key:z${body}`,
      'upper-case method': `did:KEY:z${body}`,
      'multibase hex (f) instead of base58btc (z)': `did:key:fed01${hex(pub)}`,
      'multibase base58flickr (Z)': `did:key:Z${body}`,
      'x25519 multicodec 0xec01': enc([0xec, 0x01, ...pub]),
      'secp256k1 multicodec 0xe701': enc([0xe7, 0x01, ...pub]),
      'single-byte multicodec 0xed': enc([0xed, ...pub, 0x00]),
      'bad base58 character 0': `did:key:z${body.slice(0, 10)}0${body.slice(11)}`,
      'bad base58 character l': `did:key:z${body.slice(0, 10)}l${body.slice(11)}`,
      'bad base58 character O': `did:key:z${body.slice(0, 10)}O${body.slice(11)}`,
      '31-byte key': enc([0xed, 0x01, ...pub.subarray(0, 31)]),
      '33-byte key': enc([0xed, 0x01, ...pub, 0x00]),
      'leading zero byte': enc([0x00, 0xed, 0x01, ...pub]),
      'truncated string': good.slice(0, -1),
      'trailing garbage': `${good}x`,
      'empty key': 'did:key:z',
      'empty string': '',
    };
    for (const [name, did] of Object.entries(cases)) {
      expect(publicKeyFromDid(did), name).toBeNull();
      expect(peerIdFromDid(did), name).toBeNull();
      expect(verifyByDid(did, new Uint8Array(0), unhex(RFC8032[0].signature)), name).toBe(false);
    }
    expect(publicKeyFromDid(good)).not.toBeNull();
  });

  it('peer id is base58btc of 0x00 0x24 0x08 0x01 0x12 0x20 ‖ key and starts with 12D3KooW', () => {
    const PREFIX = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    for (const v of RFC8032) {
      const pub = unhex(v.public);
      const peerId = peerIdFromPublicKey(pub);
      expect(peerId.startsWith('12D3KooW')).toBe(true);
      expect(peerId).toBe(refBase58(Uint8Array.from([...PREFIX, ...pub])));
      expect(peerIdFromDid(didFromPublicKey(pub))).toBe(peerId);
      const decoded = base58Decode(peerId)!;
      expect(decoded.length).toBe(38);
      expect([...decoded.subarray(0, 6)]).toEqual(PREFIX);
      expect(hex(decoded.subarray(6))).toBe(v.public);
    }
    for (let i = 0; i < 100; i++) {
      const signer = signerFromSeed(randomBytes(32));
      expect(peerIdFromDid(signer.did)!.startsWith('12D3KooW')).toBe(true);
    }
  });
});

/* ---------------------------------------------------------------------------------------------------------------- */
/* 1000 random spans through Timeline.append on a real SQLite file, checked against independent implementations.   */

/** mulberry32: a small seeded PRNG so that a failure can be replayed with LOGLINE_FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FUZZ_SEED = process.env.LOGLINE_FUZZ_SEED !== undefined ? Number(process.env.LOGLINE_FUZZ_SEED) : randomBytes(4).readUInt32LE(0);
const rnd = prng(FUZZ_SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

/** Code point ranges for random text: ASCII, Latin-1, Greek, CJK, Hebrew presentation forms, emoji, combining marks. */
const RANGES: [number, number][] = [
  [0x20, 0x7e], [0x20, 0x7e], [0xa0, 0xff], [0x370, 0x3ff], [0x4e00, 0x9fff], [0xfb1d, 0xfb4f],
  [0x1f300, 0x1f64f], [0x300, 0x36f], [0x01, 0x1f], [0x10000, 0x10ffff], [0xe000, 0xf8ff],
];

function randomText(maxCodePoints: number, oneLine: boolean): string {
  const n = int(maxCodePoints + 1);
  let out = '';
  for (let i = 0; i < n; i++) {
    const [lo, hi] = pick(RANGES);
    let cp = lo + int(hi - lo + 1);
    if (oneLine && (cp === 0x0a || cp === 0x0d)) cp = 0x20;
    out += String.fromCodePoint(cp);
  }
  return out;
}

function randomNumber(): number {
  switch (int(10)) {
    case 0: return int(2 ** 31) - 2 ** 30;
    case 1: return (rnd() - 0.5) * 10 ** (int(60) - 30);
    case 2: return pick([0, -0, 1, -1, 0.1 + 0.2, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 9007199254740991, -9007199254740991, 2 ** 53, 333333333.33333329]);
    case 3: return rnd();
    case 4: return Number((rnd() * 1000).toFixed(int(5)));
    default: return int(1000);
  }
}

function randomValue(depth: number): unknown {
  const k = int(depth > 0 ? 8 : 5);
  switch (k) {
    case 0: return null;
    case 1: return rnd() < 0.5;
    case 2: case 3: return randomNumber();
    case 4: return randomText(20, false);
    case 5: case 6: return randomObject(depth - 1);
    default: return Array.from({ length: int(5) }, () => randomValue(depth - 1));
  }
}

function randomObject(depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = int(6);
  for (let i = 0; i < n; i++) out[rnd() < 0.15 ? pick(['', 'a', 'A', '1', '\u20ac', '\ud83d\ude00', '\ufb33']) : randomText(8, false)] = randomValue(depth);
  return out;
}

const randomHex64 = () => Buffer.from(Array.from({ length: 32 }, () => int(256))).toString('hex');

function randomDraft(tenant: string): SpanDraft & { tenant: string } {
  const draft: SpanDraft & { tenant: string } = { tenant, title: rnd() < 0.05 ? randomText(512, true) : randomText(60, true) };
  if (rnd() < 0.5) draft.ts = new Date(int(4102444800000)).toISOString();
  if (rnd() < 0.3) draft.status = pick<SpanStatus>(['executed', 'simulated', 'reverted', 'ghost']);
  if (rnd() < 0.3) draft.kind = pick<SpanKind>(['user', 'system', 'organization', 'ghost']);
  if (rnd() < 0.3) draft.visibility = pick<SpanVisibility>(['organization', 'public', 'private']);
  if (rnd() < 0.7) draft.data = randomObject(3);
  if (rnd() < 0.2) draft.metadata = randomObject(2);
  if (rnd() < 0.6) draft.tags = Array.from({ length: int(6) }, () => (rnd() < 0.3 ? pick(['deploy', 'ci', 'Ω', '\ud83d\ude00']) : randomText(12, false) || 'x'));
  if (rnd() < 0.2) draft.related = Array.from({ length: int(4) }, () => (rnd() < 0.5 ? randomHex64() : `ext:${int(100)}`));
  if (rnd() < 0.2) draft.caused_by = randomHex64();
  if (rnd() < 0.2) draft.delta_s = rnd() * 10 ** int(6);
  if (rnd() < 0.1) draft.contract_id = `c-${randomText(10, false) || 'x'}`;
  if (rnd() < 0.1) draft.logline_id = `logline-id://${pick(['dan', 'ana', 'ops.bot'])}`;
  if (rnd() < 0.05) { draft.replay_from = randomHex64(); draft.replay_count = int(10); }
  return draft;
}

/** Independent RFC 8785 for JSON values: keys sorted by UTF-16 code units, ES number and string serialisation. */
function refJcs(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(refJcs).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  keys.sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = a.charCodeAt(i) - b.charCodeAt(i);
      if (d !== 0) return d;
    }
    return a.length - b.length;
  });
  return `{${keys.map((k) => `${JSON.stringify(k)}:${refJcs(obj[k])}`).join(',')}}`;
}

describe('1000 random spans: Timeline.append on SQLite, checked with node:crypto and @noble/ed25519', () => {
  const N = 1000;
  const TENANTS = ['acme', 'voulez-vous', 't1'];
  let dir: string;
  let db: Db;
  let repo: SpansRepo;
  let seeds: Uint8Array[];
  let signers: Signer[];
  const spans: { span: Span; seed: Uint8Array }[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logline-'));
    db = openDb(join(dir, 'node.db'));
    repo = new SpansRepo(db);
    const timeline = new Timeline(repo);
    seeds = Array.from({ length: 25 }, () => new Uint8Array(randomBytes(32)));
    signers = seeds.map((s) => signerFromSeed(s));
    while (spans.length < N) {
      const who = int(seeds.length);
      const tenant = pick(TENANTS);
      const batch = Array.from({ length: Math.min(1 + int(5), N - spans.length) }, () => randomDraft(rnd() < 0.9 ? tenant : pick(TENANTS)));
      for (const span of timeline.append(batch, signers[who])) spans.push({ span, seed: seeds[who] });
    }
  });
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ctx = () => `LOGLINE_FUZZ_SEED=${FUZZ_SEED}`;

  it('stores all of them', () => {
    expect(spans.length).toBe(N);
    expect(repo.count(), ctx()).toBe(N);
  });

  it('every id recomputes with node:crypto sha256 over an independent canonical body, equal to the stored body', () => {
    for (const { span } of spans) {
      const { id, sig, ...body } = span;
      const canonical = refJcs(body);
      expect(canonical, ctx()).toBe(canonicalJson(body));
      const row = repo.byId(Buffer.from(id, 'hex'))!;
      expect(row.body, ctx()).toBe(canonical);
      expect(row.sig.toString('hex')).toBe(sig);
      const recomputed = createHash('sha256').update('logline/span/v1\n', 'utf8').update(canonical, 'utf8').digest('hex');
      expect(recomputed, ctx()).toBe(id);
      expect(Buffer.byteLength(canonical, 'utf8')).toBeLessThanOrEqual(64 * 1024);
    }
  });

  it('every sig verifies with @noble/ed25519 over the 32 id bytes, and noble signs byte-identically', () => {
    for (const { span, seed } of spans) {
      const pub = publicKeyFromDid(span.author)!;
      const id = unhex(span.id);
      const sig = unhex(span.sig);
      expect(ed.verify(sig, id, pub), ctx()).toBe(true);
      expect(ed.verify(sig, unhex(span.id.replace(/^./, (c) => (c === '0' ? '1' : '0'))), pub)).toBe(false);
      expect(hex(ed.sign(id, seed)), ctx()).toBe(span.sig);
    }
  });

  it('noble derives the same public keys from the seeds', () => {
    for (const [i, seed] of seeds.entries()) expect(hex(ed.getPublicKey(seed))).toBe(hex(signers[i].publicKey));
  });

  it('every span passes verifySpan as built and after a round trip through its wire text', () => {
    for (const { span } of spans) {
      const row = repo.byId(Buffer.from(span.id, 'hex'))!;
      const again = wireSpan(row.body, span.id, span.sig);
      expect(canonicalJson(again), ctx()).toBe(canonicalJson(span));
      expect(verifySpan(again).body).toBe(row.body);
      expect(JSON.parse(wireText(row.body, span.id, span.sig)).id).toBe(span.id);
    }
  });

  it('titles are one line, tags and related sorted and unique', () => {
    for (const { span } of spans) {
      expect(/[\r\n]/.test(span.title)).toBe(false);
      for (const arr of [span.tags, span.related]) {
        if (arr === undefined) continue;
        expect(arr).toEqual([...new Set(arr)].sort());
      }
    }
  });

  it('chains are gapless per (author, tenant) and private spans are unchained', () => {
    const chains = new Map<string, Span[]>();
    for (const { span } of spans) {
      if (span.visibility === 'private') {
        expect(span.seq).toBeNull();
        expect(span.prev).toBeNull();
        continue;
      }
      const key = `${span.author} ${span.tenant}`;
      chains.set(key, [...(chains.get(key) ?? []), span]);
    }
    expect(chains.size).toBeGreaterThan(1);
    for (const chain of chains.values()) {
      chain.forEach((span, i) => {
        expect(span.seq).toBe(i + 1);
        expect(span.prev).toBe(i === 0 ? null : chain[i - 1].id);
      });
    }
  });

  it('verifyStored finds nothing wrong, and a fresh node ingests every span', async () => {
    const report = await verifyStored(repo);
    expect(report.checked).toBe(N);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);

    const db2 = openDb(join(dir, 'other.db'));
    try {
      const results = new Timeline(new SpansRepo(db2)).ingest(spans.map((s) => JSON.parse(JSON.stringify(s.span)) as unknown));
      const outcomes = results.map((r) => (r.outcome === 'rejected' ? `rejected ${r.error.code}: ${r.error.message}` : r.outcome));
      expect(outcomes.filter((o) => o !== 'stored'), ctx()).toEqual([]);
    } finally {
      db2.close();
    }
  });
});
