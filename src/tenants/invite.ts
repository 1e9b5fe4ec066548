import { createHash, randomBytes } from 'node:crypto';
import { LoglineError } from '../errors/errors.js';
import { publicKeyFromDid } from '../identity/did-key.js';
import { verifyByDid, type Signer } from '../identity/ed25519.js';
import { isSlug } from '../timeline/validate.js';
import { isRole, type Role } from './roles.js';

/**
 * Invitation tokens (SPEC §5): `llinv1.<payload>.<signature>`, both base64url. The payload is JSON; the
 * signature is the inviter's ed25519 over sha256("logline/invite/v1\n" ‖ payload bytes). Anyone can check it;
 * only the inviting node can honour it (it keeps the nonce, which makes the token single-use).
 */
export interface InvitePayload {
  v: 1;
  /** Tenant slug. */
  t: string;
  /** Role given on joining. */
  r: Role;
  /** Nonce, 16 random bytes as base64url. */
  n: string;
  /** Expiry, RFC 3339. */
  e: string;
  /** The inviter: the did:key that signs the token and, on joining, the member.added span. */
  i: string;
  /** The inviting node's libp2p peer id and its addresses (full multiaddrs). */
  p: string;
  a: string[];
}

const PREFIX = 'llinv1.';
const TOKEN_CONTEXT = 'logline/invite/v1\n';
const PROOF_CONTEXT = 'logline/join/v1\n';
const MAX_TOKEN = 8192;

function digest(context: string, bytes: Uint8Array | string): Buffer {
  return createHash('sha256').update(context).update(bytes).digest();
}

function malformed(why: string): LoglineError {
  // a usage error: on the command line, the argument is not a token at all (exit 2)
  return LoglineError.usage('INVITE_MALFORMED', `this is not a logline invitation: ${why}`, 'copy the whole token printed by `logline invite create`');
}

/**
 * The bytes of a base64url text in its one canonical form (no padding, no other characters, unused bits zero), or
 * undefined: Buffer.from would skip stray characters, so that many texts would pass for one token or proof.
 */
function base64url(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return text.length > 0 && bytes.toString('base64url') === text ? bytes : undefined;
}

export function encodeInvite(payload: InvitePayload, signer: Signer): string {
  const bytes = Buffer.from(JSON.stringify(payload));
  return `${PREFIX}${bytes.toString('base64url')}.${signer.sign(digest(TOKEN_CONTEXT, bytes)).toString('base64url')}`;
}

/**
 * Reads a token and checks its shape, its signature and (unless `now` is null) its expiry. What it cannot
 * check here — that the inviter issued it and it is unused — the inviting node checks on joining.
 */
export function decodeInvite(token: string, now: number | null = Date.now()): InvitePayload {
  const text = token.trim();
  if (text.length > MAX_TOKEN) throw malformed('it is too long');
  if (!text.startsWith(PREFIX)) throw malformed(`it does not start with ${PREFIX}`);
  const parts = text.slice(PREFIX.length).split('.').map(base64url);
  if (parts.length !== 2 || parts.some((p) => p === undefined)) throw malformed('it is not two base64url parts');
  const [bytes, sig] = parts as [Buffer, Buffer];
  let p: InvitePayload;
  try {
    p = JSON.parse(bytes.toString('utf8')) as InvitePayload;
  } catch {
    throw malformed('its payload is not JSON');
  }
  if (p === null || typeof p !== 'object' || p.v !== 1 || !isSlug(p.t) || !isRole(p.r) || typeof p.n !== 'string' || p.n.length < 16
    || typeof p.e !== 'string' || Number.isNaN(Date.parse(p.e)) || typeof p.i !== 'string' || publicKeyFromDid(p.i) === null
    || typeof p.p !== 'string' || !Array.isArray(p.a) || !p.a.every((a) => typeof a === 'string')) {
    throw malformed('its payload lacks a field or has a wrong one');
  }
  if (!verifyByDid(p.i, digest(TOKEN_CONTEXT, bytes), sig)) {
    throw new LoglineError('INVITE_BAD_SIGNATURE', 'the invitation\'s signature does not verify: it was altered', { hint: 'ask the inviter for a new token' });
  }
  if (now !== null && Date.parse(p.e) <= now) {
    throw new LoglineError('INVITE_EXPIRED', `the invitation to ${p.t} expired at ${p.e}`, { hint: 'ask the inviter for a new one: `logline invite create`' });
  }
  return p;
}

export function newNonce(): string {
  return randomBytes(16).toString('base64url');
}

/** What the joining node sends: the token, who joins, and proof that it holds that identity's key. */
export interface JoinRequest {
  token: string;
  did: string;
  handle: string;
  /** Signature by `did` over sha256("logline/join/v1\n" ‖ nonce ‖ "\n" ‖ inviter peer id ‖ "\n" ‖ did). */
  proof: string;
}

function proofMessage(nonce: string, inviterPeer: string, did: string): Buffer {
  return digest(PROOF_CONTEXT, `${nonce}\n${inviterPeer}\n${did}`);
}

export function joinRequest(token: string, payload: InvitePayload, signer: Signer, handle: string): JoinRequest {
  return { token, did: signer.did, handle, proof: signer.sign(proofMessage(payload.n, payload.p, signer.did)).toString('base64url') };
}

export function checkProof(request: JoinRequest, payload: InvitePayload): void {
  const proof = typeof request.proof === 'string' ? base64url(request.proof) : undefined;
  if (typeof request.did !== 'string' || proof === undefined || !verifyByDid(request.did, proofMessage(payload.n, payload.p, request.did), proof)) {
    throw new LoglineError('JOIN_BAD_PROOF', 'the joining node did not prove it holds the key of the identity it names');
  }
}

/** A node's answer to a join request. */
export type JoinAnswer =
  | { ok: true; tenant: string; role: Role; genesis: string; inviter: string }
  | { ok: false; code: string; message: string; hint?: string };
