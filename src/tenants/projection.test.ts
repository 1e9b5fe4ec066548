import { describe, expect, it } from 'vitest';
import { signerFromSeed } from '../identity/ed25519.js';
import { openDb } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { Timeline } from '../timeline/timeline.js';
import { tempDir } from '../testing/cli.js';
import { join } from 'node:path';
import { memberAdded, memberRemoved, roleChanged, tenantCreated } from './events.js';
import { TenantGate } from './gate.js';
import { applyEvent, foldTenant, type TenantEvent } from './projection.js';
import { slugify } from './slug.js';
import { peerTrusted } from '../federation/trust.js';

const seed = (n: number) => new Uint8Array(32).fill(n);
const owner = signerFromSeed(seed(1));
const admin = signerFromSeed(seed(2));
const writer = signerFromSeed(seed(3));
const viewer = signerFromSeed(seed(4));
const stranger = signerFromSeed(seed(5));

let n = 0;
function ev(author: string, title: string, data: Record<string, unknown>, ts = `2026-01-01T00:00:${String(n++ % 60).padStart(2, '0')}.000Z`): TenantEvent {
  return { id: (n.toString(16)).padStart(64, '0'), author, tenant: 't', ts, title, data };
}

function open() {
  const { dir, cleanup } = tempDir();
  const db = openDb(join(dir, 'node.db'));
  const repo = new SpansRepo(db);
  const gate = new TenantGate(repo, () => []);
  const timeline = new Timeline(repo, undefined, gate);
  return { db, gate, timeline, cleanup: () => { db.close(); cleanup(); } };
}

function dump(db: ReturnType<typeof openDb>) {
  return {
    tenants: db.prepare('SELECT * FROM tenants ORDER BY slug').all(),
    members: db.prepare('SELECT * FROM members ORDER BY tenant, did').all(),
    roles: db.prepare('SELECT * FROM member_roles ORDER BY tenant, did, from_ts, span').all(),
  };
}

describe('slugify (SPEC §5)', () => {
  it('gives the slugs of the spec', () => {
    expect(slugify('Voulez Vous')).toBe('voulez-vous');
    expect(slugify('  ACME Labs  ')).toBe('acme-labs');
    expect(slugify('')).toBe('tenant');
    expect(slugify('a__b--c  d')).toBe('a-b-c-d');
    expect(slugify('Café Ünïcode!')).toBe('caf-ncode');
    expect(slugify('---')).toBe('tenant');
  });
});

describe('the tenant fold', () => {
  it('makes the genesis author owner and applies the events a manager signs', () => {
    const { state, history } = foldTenant([
      ev(owner.did, 'tenant.created', { name: 'T' }),
      ev(owner.did, 'member.added', { did: admin.did, role: 'admin' }),
      ev(admin.did, 'member.added', { did: writer.did, role: 'member', handle: 'wri' }),
      ev(admin.did, 'member.added', { did: viewer.did, role: 'viewer' }),
      ev(owner.did, 'role.changed', { did: viewer.did, role: 'member' }),
      ev(owner.did, 'member.removed', { did: viewer.did }),
    ]);
    expect(state?.owner).toBe(owner.did);
    expect(Object.fromEntries([...state!.members].map(([d, m]) => [d, m.role]))).toEqual({ [owner.did]: 'owner', [admin.did]: 'admin', [writer.did]: 'member' });
    expect(state!.members.get(writer.did)?.handle).toBe('wri');
    expect(history.filter((h) => h.did === viewer.did).map((h) => h.role)).toEqual(['viewer', 'member', null]);
  });

  it('keeps refused events as evidence without effect, each with its own reason', () => {
    const base = foldTenant([ev(owner.did, 'tenant.created', { name: 'T' }), ev(owner.did, 'member.added', { did: admin.did, role: 'admin' }),
      ev(owner.did, 'member.added', { did: writer.did, role: 'member' }), ev(owner.did, 'member.added', { did: viewer.did, role: 'viewer' })]).state!;
    const refusal = (e: TenantEvent) => { const r = applyEvent(base, e); return r instanceof Error ? (r as { code: string }).code : 'applied'; };
    expect(refusal(ev(owner.did, 'tenant.created', { name: 'again' }))).toBe('TENANT_EXISTS');
    expect(refusal(ev(stranger.did, 'member.added', { did: stranger.did, role: 'owner' }))).toBe('NOT_A_MEMBER');
    expect(refusal(ev(writer.did, 'member.added', { did: stranger.did, role: 'member' }))).toBe('ROLE_FORBIDDEN');
    expect(refusal(ev(viewer.did, 'role.changed', { did: viewer.did, role: 'admin' }))).toBe('ROLE_FORBIDDEN');
    expect(refusal(ev(admin.did, 'member.added', { did: stranger.did, role: 'owner' }))).toBe('ROLE_FORBIDDEN');
    expect(refusal(ev(admin.did, 'member.removed', { did: owner.did }))).toBe('ROLE_FORBIDDEN');
    expect(refusal(ev(owner.did, 'member.removed', { did: owner.did }))).toBe('LAST_OWNER');
    expect(refusal(ev(owner.did, 'role.changed', { did: owner.did, role: 'admin' }))).toBe('LAST_OWNER');
    expect(refusal(ev(owner.did, 'role.changed', { did: stranger.did, role: 'admin' }))).toBe('MEMBER_NOT_FOUND');
    expect(refusal(ev(owner.did, 'member.removed', { did: stranger.did }))).toBe('MEMBER_NOT_FOUND');
    expect(refusal(ev(owner.did, 'member.added', { did: 'did:key:nope', role: 'member' }))).toBe('MEMBER_BAD_DID');
    expect(refusal(ev(owner.did, 'member.added', { did: stranger.did, role: 'boss' }))).toBe('MEMBER_BAD_ROLE');
    expect(refusal(ev(viewer.did, 'member.removed', { did: viewer.did }))).toBe('applied'); // anyone may leave
    expect(refusal(ev(admin.did, 'member.added', { did: stranger.did, role: 'admin' }))).toBe('applied');
    expect(applyEvent(undefined, ev(owner.did, 'member.added', { did: writer.did, role: 'member' }))).toMatchObject({ code: 'TENANT_UNKNOWN' });
  });

  it('keeps the genesis this node stored first: a backdated tenant.created cannot take a tenant over', () => {
    const mine = { ...ev(owner.did, 'tenant.created', { name: 'mine' }, '2026-01-02T00:00:00.000Z'), order: 1 };
    const backdated = { ...ev(stranger.did, 'tenant.created', { name: 'takeover' }, '2026-01-01T00:00:00.000Z'), order: 2 };
    const addedByStranger = { ...ev(stranger.did, 'member.added', { did: viewer.did, role: 'owner' }, '2026-01-01T00:00:01.000Z'), order: 3 };
    const folded = foldTenant([backdated, addedByStranger, mine]);
    expect(folded.state?.owner).toBe(owner.did);
    expect([...folded.state!.members.keys()]).toEqual([owner.did]);
    expect(folded.ignored).toBe(2);
    // the other way round on a node that stored the stranger's first: each keeps what it had
    expect(foldTenant([{ ...backdated, order: 1 }, { ...mine, order: 2 }]).state?.owner).toBe(stranger.did);
  });
});

describe('a genesis pinned on joining', () => {
  it('the fold takes the pinned tenant.created, and none while it has not arrived', () => {
    const mine = { ...ev(owner.did, 'tenant.created', { name: 'mine' }, '2026-01-02T00:00:00.000Z'), id: 'a1'.padStart(64, '0'), order: 2 };
    const backdated = { ...ev(stranger.did, 'tenant.created', { name: 'takeover' }, '2026-01-01T00:00:00.000Z'), id: 'b1'.padStart(64, '0'), order: 1 };
    const added = { ...ev(owner.did, 'member.added', { did: writer.did, role: 'member' }, '2026-01-02T00:00:01.000Z'), id: 'c1'.padStart(64, '0'), order: 3 };
    expect(foldTenant([backdated, mine, added]).state?.owner).toBe(stranger.did); // unpinned: the first stored
    const pinned = foldTenant([backdated, mine, added], mine.id);
    expect(pinned.state?.owner).toBe(owner.did);
    expect([...pinned.state!.members.keys()]).toEqual([owner.did, writer.did]);
    expect(pinned.ignored).toBe(1);
    const waiting = foldTenant([backdated, added], mine.id);
    expect(waiting.state).toBeUndefined();
    expect(waiting.history).toEqual([]);
  });

  it('a joining node keeps to the genesis its own trust span names, whatever arrives first', () => {
    const inviter = open();
    const joiner = signerFromSeed(seed(6));
    const { dir, cleanup } = tempDir();
    const db = openDb(join(dir, 'b.db'));
    const repo = new SpansRepo(db);
    const gate = new TenantGate(repo, (did) => (did === joiner.did ? ['bob'] : []));
    const b = new Timeline(repo, undefined, gate);
    try {
      const [genesis] = inviter.timeline.append([tenantCreated('t', 'T')], owner);
      const [addedJoiner] = inviter.timeline.append([memberAdded('t', joiner.did, 'member')], owner);
      // another node's claim to the slug, backdated, reaches B before the real genesis
      const loose = new Timeline(new SpansRepo(openDb(join(dir, 'x.db'))));
      const [takeover] = loose.append([{ ...tenantCreated('t', 'takeover'), ts: '2020-01-01T00:00:00.000Z' }], stranger);
      // a pin in a trust span that is not this node's own counts for nothing
      const [foreignPin] = loose.append([{ ...peerTrusted('t', 'peer', stranger.did, 'full', [], takeover.id), ts: '2020-01-01T00:00:01.000Z' }], stranger);
      b.append([peerTrusted('t', 'peer', owner.did, 'full', [], genesis.id)], joiner);
      b.ingest([takeover, foreignPin]);
      expect(gate.state('t')).toBeUndefined(); // the pinned genesis has not arrived: t is not known yet
      b.ingest([genesis, addedJoiner]);
      expect(gate.state('t')).toMatchObject({ genesis: genesis.id, owner: owner.did });
      expect(gate.projection.get('t')?.genesis).toBe(genesis.id);
      expect(b.append([{ tenant: 't', title: 'the joiner writes' }], joiner)).toHaveLength(1);
      // and a rebuild from the spans alone gives the same tables
      const before = dump(db);
      db.exec('DELETE FROM tenants; DELETE FROM members; DELETE FROM member_roles;');
      gate.projection.rebuildAll();
      expect(dump(db)).toEqual(before);
    } finally {
      inviter.cleanup();
      db.close();
      cleanup();
    }
  });
});

describe('tables are projections of the spans', () => {
  it('a rebuild from the spans alone gives the same tables', () => {
    const { db, timeline, gate, cleanup } = open();
    try {
      timeline.append([tenantCreated('t', 'T'), tenantCreated('u', 'U')], owner);
      timeline.append([memberAdded('t', admin.did, 'admin'), memberAdded('t', writer.did, 'member', 'wri'), memberAdded('u', viewer.did, 'viewer')], owner);
      timeline.append([memberAdded('t', viewer.did, 'viewer'), roleChanged('t', writer.did, 'admin')], admin);
      timeline.append([memberRemoved('t', viewer.did)], owner);
      timeline.append([{ tenant: 't', title: 'work' }], writer);
      const before = dump(db);
      expect(before.members).toHaveLength(5); // t: owner, admin, writer (now admin); u: owner, viewer
      db.exec('DELETE FROM tenants; DELETE FROM members; DELETE FROM member_roles;');
      expect(dump(db).members).toHaveLength(0);
      gate.projection.rebuildAll();
      expect(dump(db)).toEqual(before);
    } finally {
      cleanup();
    }
  });

  it('local writes need a writing role in a known tenant; private trust spans need none', () => {
    const { timeline, cleanup } = open();
    try {
      expect(() => timeline.append([{ tenant: 't', title: 'x' }], owner)).toThrow(expect.objectContaining({ code: 'TENANT_UNKNOWN' }));
      timeline.append([tenantCreated('t', 'T'), ], owner);
      timeline.append([memberAdded('t', viewer.did, 'viewer')], owner);
      expect(() => timeline.append([{ tenant: 't', title: 'x' }], viewer)).toThrow(expect.objectContaining({ code: 'ROLE_FORBIDDEN' }));
      expect(() => timeline.append([{ tenant: 't', title: 'x' }], stranger)).toThrow(expect.objectContaining({ code: 'NOT_A_MEMBER' }));
      expect(() => timeline.append([{ tenant: 't', title: 'x', visibility: 'private' }], stranger)).toThrow(expect.objectContaining({ code: 'NOT_A_MEMBER' }));
      expect(timeline.append([{ tenant: 't', title: 'peer.trusted', kind: 'system', visibility: 'private', data: {} }], stranger)).toHaveLength(1);
      expect(() => timeline.append([{ tenant: 't', title: 'x', logline_id: 'logline-id://someone' }], owner)).toThrow(expect.objectContaining({ code: 'LOGLINE_ID_MISMATCH' }));
    } finally {
      cleanup();
    }
  });

  it('foreign spans by authors who write neither now nor when they signed are refused once the tenant is known', () => {
    const a = open();
    const free = open(); // signs without tenant rules, like a node that does not know t
    const other = open();
    try {
      const loose = new Timeline(new SpansRepo(free.db));
      a.timeline.append([tenantCreated('t', 'T')], owner);
      const [, added] = a.timeline.append([memberAdded('t', writer.did, 'member'), memberAdded('t', viewer.did, 'member')], owner);
      const at = (ms: number) => new Date(Date.parse(added.ts) + ms).toISOString();
      // the viewer is removed 10 ms after it was added; the writer stays a member
      const [removed] = a.timeline.append([{ ...memberRemoved('t', viewer.did), ts: at(10) }], owner);
      const later = (ms: number) => new Date(Date.parse(removed.ts) + ms).toISOString();
      const [backdated] = loose.append([{ tenant: 't', title: 'a member backdates', ts: at(-60_000) }], writer);
      const [whileMember] = loose.append([{ tenant: 't', title: 'while a member', ts: at(5) }], viewer);
      const [afterRemoval] = loose.append([{ tenant: 't', title: 'after removal', ts: later(60_000) }], viewer);
      const [byStranger] = loose.append([{ tenant: 't', title: 'not a member', ts: at(1) }], stranger);
      const [unknownTenant] = loose.append([{ tenant: 'elsewhere', title: 'unknown tenant', ts: at(1) }], stranger);
      const results = a.timeline.ingest([backdated, whileMember, afterRemoval, byStranger, unknownTenant]);
      expect(results.map((r) => (r.outcome === 'rejected' ? r.error.code : r.outcome))).toEqual(['stored', 'stored', 'NOT_A_MEMBER', 'NOT_A_MEMBER', 'stored']);
      // a removal that arrives after a span its author signed later: verify's recheck flags the span then
      const [late] = loose.append([{ tenant: 't', title: 'signed after a removal not known yet', ts: later(120_000) }], writer);
      expect(a.timeline.ingest([late])[0].outcome).toBe('stored');
      expect(a.gate.recheck(late)).toBeNull();
      a.timeline.append([{ ...memberRemoved('t', writer.did), ts: later(60_000) }], owner);
      expect(a.gate.recheck(late)).toMatchObject({ code: 'NOT_A_MEMBER' });
      expect(a.gate.recheck(whileMember)).toBeNull(); // signed while its author was a member: still valid
      // once the stored span's tenant becomes known, verify's recheck flags it
      expect(a.gate.recheck(unknownTenant)).toBeNull();
      a.timeline.ingest(loose.append([tenantCreated('elsewhere', 'E')], owner));
      expect(a.gate.recheck(unknownTenant)).toMatchObject({ code: 'NOT_A_MEMBER' });
    } finally {
      a.cleanup();
      free.cleanup();
      other.cleanup();
    }
  });
});
