/**
 * `/logline/join/1.0.0`: one request, one answer, each a length-prefixed JSON object of at most MAX_JOIN_FRAME
 * bytes. The joining node sends a JoinRequest (its invitation token, the identity that joins and a proof that it
 * holds that key); the inviting node answers with a JoinAnswer. The noise handshake has already proven the
 * joining node's peer key.
 */
import { LoglineError } from '../../../errors/errors.js';
import type { InvitePayload, JoinAnswer, JoinRequest } from '../../../tenants/invite.js';

export const JOIN_PROTOCOL = '/logline/join/1.0.0';
export const MAX_JOIN_FRAME = 16 * 1024;

export function encodeJoin(message: JoinRequest | JoinAnswer): Uint8Array {
  return Buffer.from(JSON.stringify(message));
}

export function decodeJoin<T extends JoinRequest | JoinAnswer>(bytes: Uint8Array): T {
  try {
    const value = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as T;
  } catch (e) {
    throw new LoglineError('JOIN_BAD_FRAME', `a join message is not a JSON object: ${(e as Error).message}`);
  }
}

/**
 * A join answer of the right shape for the invitation it answers (an admission names the invitation's tenant, role
 * and inviter; a refusal carries an UPPER_SNAKE code), or a JOIN_BAD_FRAME error (a node that answers nonsense).
 */
export function checkAnswer(value: JoinAnswer, invite: InvitePayload): JoinAnswer {
  const a = value as Record<string, unknown>;
  const ok = a.ok === true
    ? a.tenant === invite.t && a.role === invite.r && a.inviter === invite.i && typeof a.genesis === 'string' && /^[0-9a-f]{64}$/.test(a.genesis)
    : a.ok === false && typeof a.code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(a.code) && typeof a.message === 'string'
      && (a.hint === undefined || typeof a.hint === 'string');
  if (!ok) throw new LoglineError('JOIN_BAD_FRAME', 'the inviting node answered with a malformed join message', { hint: 'it may run an incompatible logline version' });
  return value;
}

/** What the joining side learns. */
export interface JoinResult {
  tenant: string;
  role: string;
  /** The inviter's did and its node's peer id. */
  inviter: string;
  peer: string;
  /** Spans of the tenant held here after the first sync. */
  spans: number;
  /** Whether the first sync round finished (false: it goes on in the background, or at the next daemon start). */
  synced: boolean;
}
