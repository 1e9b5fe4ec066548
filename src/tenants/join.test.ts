import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keystore } from '../identity/keystore.js';
import { signerFromSeed } from '../identity/ed25519.js';
import { cliAsync, initHome, tempDir, type CliResult } from '../testing/cli.js';
import { decodeInvite, encodeInvite, joinRequest, newNonce, type InvitePayload, type JoinAnswer } from './invite.js';
import { randomBytes } from 'node:crypto';
import '../federation/polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { JOIN_PROTOCOL, MAX_JOIN_FRAME } from '../federation/protocols/join/join.js';

/**
 * Onboarding across two real homes (SPEC §5): A's daemon listens on 127.0.0.1, B joins with a token. Every bad
 * token gets a clear error and changes nothing on either side.
 */
const LISTEN = '/ip4/127.0.0.1/tcp/0';

async function ok(home: string, args: string[]): Promise<string> {
  const r = await cliAsync(['--home', home, ...args]);
  if (r.code !== 0) throw new Error(`logline ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe('invite and join between two homes', () => {
  let a: ReturnType<typeof initHome>;
  const dirs = tempDir();
  let addrs: string[];
  let peerId: string;
  const homeOf = (name: string) => join(dirs.dir, name);
  const aCount = async () => (JSON.parse(await ok(a.home, ['--json', 'node', 'status'])) as { spans: number }).spans;
  const aMembers = async () => (JSON.parse(await ok(a.home, ['--json', 'member', 'list'])) as { did: string }[]).map((m) => m.did);
  const aLog = () => readFileSync(join(a.home, 'state', 'node.log'), 'utf8');

  /** Joins from a fresh home and checks that a refusal leaves no home behind and nothing new on A. */
  async function refused(token: string, code: string, name: string): Promise<CliResult> {
    const [spans, members] = [await aCount(), await aMembers()];
    const r = await cliAsync(['--home', homeOf(name), 'join', token, '--handle', name]);
    expect(r.code, r.stderr).toBe(code === 'INVITE_MALFORMED' ? 2 : 1); // not a token at all: a usage error
    expect(r.stderr).toContain(code);
    expect(r.stderr).toMatch(/hint: |refused/);
    expect(existsSync(join(homeOf(name), 'config', 'config.toml'))).toBe(false);
    expect(existsSync(join(homeOf(name), 'data'))).toBe(false);
    expect(await aCount()).toBe(spans);
    expect(await aMembers()).toEqual(members);
    return r;
  }

  beforeAll(async () => {
    a = initHome('ann', 'acme');
    await ok(a.home, ['log', 'written before anyone joined']);
    await ok(a.home, ['node', 'start', '--listen', LISTEN]);
    const status = JSON.parse(await ok(a.home, ['--json', 'node', 'status'])) as { peerId: string; addresses: string[] };
    ({ peerId, addresses: addrs } = status);
  });
  afterAll(async () => {
    for (const home of [a.home, homeOf('bob'), homeOf('bea')]) await cliAsync(['--home', home, 'node', 'stop']);
    a.cleanup();
    dirs.cleanup();
  });

  it('B joins with one command, sees the history, writes, and both replicate', async () => {
    const token = (await ok(a.home, ['invite', 'create', '--role', 'member', '--ttl', '1h'])).trim();
    expect(token).toMatch(/^llinv1\.[\w-]+\.[\w-]+$/);
    const payload = decodeInvite(token);
    expect(payload).toMatchObject({ t: 'acme', r: 'member', p: peerId, a: addrs });

    const bob = homeOf('bob');
    const joined = JSON.parse(await ok(bob, ['--json', 'join', token, '--handle', 'bob'])) as { tenant: string; role: string; synced: boolean; spans: number };
    expect(joined).toMatchObject({ tenant: 'acme', role: 'member', synced: true });
    const bDid = (JSON.parse(await ok(bob, ['--json', 'id', 'show'])) as { did: string }).did;
    expect(await aMembers()).toContain(bDid);
    expect(aLog()).toMatch(/join: admitted \S+ to acme as member/);
    // B holds the history and may write into the tenant (its default tenant now)
    expect(await ok(bob, ['timeline'])).toContain('written before anyone joined');
    const span = JSON.parse(await ok(bob, ['--json', 'log', 'bob was here'])) as { id: string; tenant: string };
    expect(span.tenant).toBe('acme');
    // with B's daemon up, its span reaches A, and A's next span reaches B
    await ok(bob, ['node', 'start', '--listen', LISTEN]);
    const deadline = Date.now() + 20_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      seen = (await cliAsync(['--home', a.home, 'span', 'show', span.id])).code === 0;
      if (!seen) await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toBe(true);
    expect((await cliAsync(['--home', a.home, 'verify'])).code).toBe(0);
    expect((await cliAsync(['--home', bob, 'verify'])).code).toBe(0);

    // the same token a second time: refused by A, and nothing changes on either side
    const again = await refused(token, 'INVITE_USED', 'carl');
    expect(again.stderr).toContain('refused');
    expect(aLog()).toMatch(/join: refused \S+: INVITE_USED/);
  });

  it('with both daemons running, B joins through its own daemon, keeps to A\'s genesis, and both replicate live', async () => {
    const bea = homeOf('bea');
    await ok(bea, ['init', '--handle', 'bea', '--tenant', 'own']);
    await ok(bea, ['node', 'start', '--listen', LISTEN]);
    const token = (await ok(a.home, ['invite', 'create', '--role', 'member'])).trim();
    const joined = JSON.parse(await ok(bea, ['--json', 'join', token])) as { tenant: string; role: string; synced: boolean };
    expect(joined).toMatchObject({ tenant: 'acme', role: 'member', synced: true });
    const genesisOf = async (home: string) => (JSON.parse(await ok(home, ['--json', '--tenant', 'acme', 'tenant', 'show'])) as { genesis: string }).genesis;
    expect(await genesisOf(bea)).toBe(await genesisOf(a.home));
    expect(await ok(bea, ['--tenant', 'acme', 'timeline'])).toContain('written before anyone joined');
    const seen = async (home: string, id: string) => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
        if ((await cliAsync(['--home', home, 'span', 'show', id])).code === 0) return true;
      }
      return false;
    };
    const fromBea = JSON.parse(await ok(bea, ['--json', '--tenant', 'acme', 'log', 'bea through her daemon'])) as { id: string };
    expect(await seen(a.home, fromBea.id)).toBe(true);
    const fromA = JSON.parse(await ok(a.home, ['--json', 'log', 'ann after bea joined'])) as { id: string };
    expect(await seen(bea, fromA.id)).toBe(true);

    // the same token again, through B's daemon: a clear error on both sides, and nothing changes on either
    const count = async (home: string) => (JSON.parse(await ok(home, ['--json', 'node', 'status'])) as { spans: number }).spans;
    const [aSpans, bSpans, members] = [await count(a.home), await count(bea), await aMembers()];
    const again = await cliAsync(['--home', bea, 'join', token]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/INVITE_USED: the inviting node refused: the invitation was used already/);
    expect(aLog().match(/join: refused \S+: INVITE_USED/g)?.length).toBe(2);
    expect([await count(a.home), await count(bea), await aMembers()]).toEqual([aSpans, bSpans, members]);
  });

  it('the inviting node itself refuses bad tokens and bad proofs sent past the joining side\'s checks', async () => {
    // a bare libp2p node that speaks the join protocol and checks nothing before sending
    const key = randomBytes(32);
    const node = await createLibp2p({ privateKey: await generateKeyPairFromSeed('Ed25519', key), addresses: { listen: [] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] });
    const joiner = signerFromSeed(key);
    /** Asks A to admit `joiner`, its proof signed by `prover` (the joiner itself, unless testing a false proof). */
    const ask = async (token: string, payload: InvitePayload, prover = joiner): Promise<JoinAnswer> => {
      const stream = await node.dialProtocol(multiaddr(addrs[0]), JOIN_PROTOCOL);
      const lp = lpStream(stream, { maxDataLength: MAX_JOIN_FRAME });
      await lp.write(Buffer.from(JSON.stringify({ ...joinRequest(token, payload, prover, 'mal'), did: joiner.did })));
      const answer = JSON.parse(Buffer.from((await lp.read()).subarray()).toString()) as JoinAnswer;
      await stream.close().catch(() => {});
      return answer;
    };
    try {
      const seed = new Keystore(join(a.home, 'config', 'keys')).signer('ann').seed;
      const ann = signerFromSeed(seed);
      const n = newNonce();
      const db = new Database(join(a.home, 'data', 'logline.db'));
      db.prepare('INSERT INTO invites (nonce, tenant, role, inviter, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(n, 'acme', 'member', ann.did, Date.now() - 7200_000, Date.now() - 3600_000);
      const usedAt = db.prepare('SELECT used_at FROM invites WHERE nonce = ?').pluck();
      const expiredPayload: InvitePayload = { v: 1, t: 'acme', r: 'member', n, e: new Date(Date.now() - 3600_000).toISOString(), i: ann.did, p: peerId, a: addrs };
      const valid = (await ok(a.home, ['invite', 'create', '--role', 'member'])).trim();
      const validPayload = decodeInvite(valid);
      const [prefix, body, sig] = valid.split('.');
      const ownerPayload: InvitePayload = { ...validPayload, r: 'owner' };
      const tampered = `${prefix}.${Buffer.from(JSON.stringify(ownerPayload)).toString('base64url')}.${sig}`;
      const [spans, members] = [await aCount(), await aMembers()];
      const cases: [string, InvitePayload, string, typeof joiner?][] = [
        [encodeInvite(expiredPayload, ann), expiredPayload, 'INVITE_EXPIRED'],
        [tampered, ownerPayload, 'INVITE_BAD_SIGNATURE'],
        [`${prefix}.${body}`, validPayload, 'INVITE_MALFORMED'],
        // the right token, naming the joiner but with a proof by another key
        [valid, validPayload, 'JOIN_BAD_PROOF', signerFromSeed(new Uint8Array(32).fill(7))],
      ];
      for (const [token, payload, code, signer] of cases) {
        const answer = await ask(token, payload, signer);
        expect(answer).toMatchObject({ ok: false, code });
        expect(aLog()).toContain(`join: refused ${node.peerId.toString()}: ${code}`);
      }
      expect(await aCount()).toBe(spans);
      expect(await aMembers()).toEqual(members);
      expect(usedAt.get(n)).toBeNull();
      expect(usedAt.get(validPayload.n)).toBeNull();
      db.close();
      // the token none of these used still admits
      expect(await ask(valid, validPayload)).toMatchObject({ ok: true, tenant: 'acme', role: 'member', genesis: expect.stringMatching(/^[0-9a-f]{64}$/) });
    } finally {
      await node.stop();
    }
  });

  it('init --join prepares a home and joins in one command (no terminal: flags alone)', async () => {
    const token = (await ok(a.home, ['invite', 'create', '--role', 'viewer'])).trim();
    const cyd = homeOf('cyd');
    expect(await ok(cyd, ['init', '--handle', 'cyd', '--join', token])).toMatch(/^joined acme as viewer: \d+ spans here/);
    const did = (JSON.parse(await ok(cyd, ['--json', 'id', 'show'])) as { did: string }).did;
    expect(await aMembers()).toContain(did);
    // a viewer reads the tenant and cannot write into it
    expect(await ok(cyd, ['timeline'])).toContain('written before anyone joined');
    const write = await cliAsync(['--home', cyd, 'log', 'may I?']);
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('ROLE_FORBIDDEN');
  });

  it('an altered token is refused before anything is sent', async () => {
    const token = (await ok(a.home, ['invite', 'create', '--role', 'viewer'])).trim();
    const [prefix, body, sig] = token.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as InvitePayload;
    const tampered = `${prefix}.${Buffer.from(JSON.stringify({ ...payload, r: 'owner' })).toString('base64url')}.${sig}`;
    await refused(tampered, 'INVITE_BAD_SIGNATURE', 'dora');
    await refused(token.slice(0, 40), 'INVITE_MALFORMED', 'dora');
    await refused('hello', 'INVITE_MALFORMED', 'dora');
  });

  it('an expired token is refused', async () => {
    // a token exactly as A would issue it (A's key, a nonce A keeps), with an expiry in the past
    const seed = new Keystore(join(a.home, 'config', 'keys')).signer('ann').seed;
    const n = newNonce();
    const db = new Database(join(a.home, 'data', 'logline.db'));
    db.prepare('INSERT INTO invites (nonce, tenant, role, inviter, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(n, 'acme', 'member', signerFromSeed(seed).did, Date.now() - 7200_000, Date.now() - 3600_000);
    db.close();
    const expired = encodeInvite({ v: 1, t: 'acme', r: 'member', n, e: new Date(Date.now() - 3600_000).toISOString(), i: signerFromSeed(seed).did, p: peerId, a: addrs }, signerFromSeed(seed));
    await refused(expired, 'INVITE_EXPIRED', 'erin');
  });

  it('a forged token (signed by a key that is not the inviter\'s) is refused by the inviting node', async () => {
    const forger = signerFromSeed(new Uint8Array(32).fill(9));
    const forged = encodeInvite({ v: 1, t: 'acme', r: 'owner', n: newNonce(), e: new Date(Date.now() + 3600_000).toISOString(), i: forger.did, p: peerId, a: addrs }, forger);
    await refused(forged, 'INVITE_FORGED', 'fred');
    expect(aLog()).toMatch(/join: refused \S+: INVITE_FORGED/);
  });

  it('a token for a tenant the inviting node no longer holds is refused', async () => {
    await ok(a.home, ['tenant', 'create', 'gone']);
    const token = (await ok(a.home, ['--tenant', 'gone', 'invite', 'create'])).trim();
    // the tenant's projection disappears on A (as after a restore of an older database)
    const db = new Database(join(a.home, 'data', 'logline.db'));
    db.prepare('DELETE FROM tenants WHERE slug = ?').run('gone');
    db.close();
    await refused(token, 'INVITE_TENANT_GONE', 'gina');
  });

  it('invite needs a running node and a manager of the tenant', async () => {
    const lone = initHome('lone', 'solo');
    try {
      const r = await cliAsync(['--home', lone.home, 'invite', 'create']);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('INVITE_NEEDS_NODE');
    } finally {
      lone.cleanup();
    }
    await ok(a.home, ['id', 'create', '--handle', 'vic']);
    await ok(a.home, ['member', 'add', 'vic', '--role', 'member']);
    const byMember = await cliAsync(['--home', a.home, 'invite', 'create'], { env: { LOGLINE_IDENTITY: 'vic' } });
    expect(byMember.code).toBe(1);
    expect(byMember.stderr).toContain('ROLE_FORBIDDEN');
  });
});
