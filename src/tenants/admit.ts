import { LoglineError } from '../errors/errors.js';
import { peerTrusted } from '../federation/trust.js';
import { didFromPeerId } from '../federation/peer-id.js';
import { isHandle } from '../identity/keystore.js';
import type { Home } from '../node/home.js';
import { memberAdded } from './events.js';
import { checkProof, decodeInvite, encodeInvite, newNonce, type InvitePayload, type JoinAnswer, type JoinRequest } from './invite.js';
import { canManage, type Role } from './roles.js';

export interface InviteInfo {
  token: string;
  tenant: string;
  role: Role;
  expires: string;
  inviter: string;
  peer: string;
  addrs: string[];
}

/**
 * Issues an invitation to the tenant, signed by `handle` (an owner or admin), carrying this node's peer id and
 * addresses; the nonce is kept so that the token can be used once.
 */
export function createInvite(home: Home, opts: { tenant: string; role: Role; ttlMs: number; handle: string; peer: string; addrs: string[] }): InviteInfo {
  const signer = home.signer(opts.handle);
  const state = home.tenants.state(opts.tenant);
  if (!state) throw new LoglineError('TENANT_UNKNOWN', `tenant ${opts.tenant} does not exist on this node`, { hint: '`logline tenant list`' });
  const role = state.members.get(signer.did)?.role;
  if (!canManage(role) || (opts.role === 'owner' && role !== 'owner')) {
    throw new LoglineError('ROLE_FORBIDDEN', `a ${role ?? 'non-member'} of ${opts.tenant} cannot invite ${opts.role === 'owner' ? 'an owner' : 'members'}`, { hint: 'owners and admins invite; only owners invite owners' });
  }
  const now = Date.now();
  const payload: InvitePayload = { v: 1, t: opts.tenant, r: opts.role, n: newNonce(), e: new Date(now + opts.ttlMs).toISOString(), i: signer.did, p: opts.peer, a: opts.addrs };
  home.db.prepare('INSERT INTO invites (nonce, tenant, role, inviter, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(payload.n, payload.t, payload.r, payload.i, now, Date.parse(payload.e));
  return { token: encodeInvite(payload, signer), tenant: payload.t, role: payload.r, expires: payload.e, inviter: payload.i, peer: payload.p, addrs: payload.a };
}

/**
 * The inviting node's side of a join: checks the token (signature, expiry, issued here, unused), the tenant and
 * the joiner's proof, then records the admission as spans — `member.added` by the inviter and this node's
 * trust in the joining peer — and marks the token used. Nothing changes when any check fails.
 */
export function admitJoin(home: Home, ownPeer: string, request: JoinRequest, remotePeer: string): JoinAnswer {
  try {
    if (request === null || typeof request !== 'object' || typeof request.token !== 'string') throw new LoglineError('JOIN_BAD_REQUEST', 'a join request is {token, did, handle, proof}');
    const p = decodeInvite(request.token);
    const issued = home.db.prepare('SELECT tenant, role, inviter, used_at FROM invites WHERE nonce = ?').get(p.n) as
      { tenant: string; role: string; inviter: string; used_at: number | null } | undefined;
    if (p.p !== ownPeer || !issued || issued.tenant !== p.t || issued.role !== p.r || issued.inviter !== p.i) {
      throw new LoglineError('INVITE_FORGED', 'this node did not issue that invitation', { hint: 'use a token printed by `logline invite create` on the node you join' });
    }
    if (issued.used_at !== null) throw new LoglineError('INVITE_USED', 'the invitation was used already: a token admits one node', { hint: 'ask the inviter for a new one' });
    checkProof(request, p);
    const handle = home.keystore.list().find((i) => i.did === p.i)?.handle;
    if (handle === undefined) throw new LoglineError('INVITE_FORGED', 'the inviter of that token is not an identity of this node');
    if (!home.tenants.state(p.t)) throw new LoglineError('INVITE_TENANT_GONE', `tenant ${p.t} no longer exists on the inviting node`);
    const peerDid = didFromPeerId(remotePeer);
    if (peerDid === null) throw new LoglineError('JOIN_BAD_PEER', 'the joining peer has no ed25519 peer id');
    const joinHandle = typeof request.handle === 'string' && isHandle(request.handle) ? request.handle : undefined;
    // claim the token first (one winner among concurrent joins), give it back if the admission fails
    const claim = home.db.prepare('UPDATE invites SET used_at = ?, used_by = ? WHERE nonce = ? AND used_at IS NULL').run(Date.now(), request.did, p.n);
    if (claim.changes !== 1) throw new LoglineError('INVITE_USED', 'the invitation was used already: a token admits one node');
    try {
      const [added] = home.timeline.append([
        memberAdded(p.t, request.did, p.r, joinHandle, { invite: p.n }),
        peerTrusted(p.t, remotePeer, peerDid, p.r === 'viewer' ? 'read' : 'full', []),
      ], home.signer(handle));
      return { ok: true, tenant: p.t, role: p.r, genesis: home.tenants.state(p.t)!.genesis, inviter: added.author };
    } catch (e) {
      home.db.prepare('UPDATE invites SET used_at = NULL, used_by = NULL WHERE nonce = ?').run(p.n);
      throw e;
    }
  } catch (e) {
    if (!(e instanceof LoglineError)) throw e;
    return { ok: false, code: e.code, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) };
  }
}
