import { createHash, randomBytes } from 'node:crypto';
import { LoglineError } from '../errors/errors.js';
import type { Db } from '../store/db.js';

export type TokenRole = 'reader' | 'writer';

export interface TokenInfo {
  id: string;
  tenant: string;
  role: TokenRole;
  /** Handle of the identity that created it, which signs what it writes (null: a token from before, the default identity). */
  identity: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const PREFIX = 'llt_';

function hash(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Bearer tokens bound to one tenant and role; stored hashed, printed once. */
export class Tokens {
  constructor(private readonly db: Db) {}

  create(tenant: string, role: TokenRole, ttlMs: number | null, identity: string): { token: string; info: TokenInfo } {
    const id = randomBytes(6).toString('hex');
    const token = `${PREFIX}${id}_${randomBytes(24).toString('base64url')}`;
    const now = new Date();
    const info: TokenInfo = { id, tenant, role, identity, created_at: now.toISOString(), expires_at: ttlMs === null ? null : new Date(now.getTime() + ttlMs).toISOString(), revoked_at: null };
    this.db.prepare('INSERT INTO api_tokens (id, hash, tenant, role, identity, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, hash(token), tenant, role, identity, info.created_at, info.expires_at);
    return { token, info };
  }

  list(): TokenInfo[] {
    return this.db.prepare('SELECT id, tenant, role, identity, created_at, expires_at, revoked_at FROM api_tokens ORDER BY created_at').all() as TokenInfo[];
  }

  revoke(id: string): TokenInfo {
    const r = this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id);
    if (r.changes === 0) throw new LoglineError('TOKEN_NOT_FOUND', `no active token ${id}`, { hint: '`logline token list` shows the tokens' });
    return this.db.prepare('SELECT id, tenant, role, identity, created_at, expires_at, revoked_at FROM api_tokens WHERE id = ?').get(id) as TokenInfo;
  }

  /** The live token a bearer secret names, or null (unknown, revoked or expired alike). */
  check(secret: string): TokenInfo | null {
    if (!secret.startsWith(PREFIX)) return null;
    const row = this.db.prepare('SELECT id, tenant, role, identity, created_at, expires_at, revoked_at FROM api_tokens WHERE hash = ?').get(hash(secret)) as TokenInfo | undefined;
    if (!row || row.revoked_at !== null) return null;
    if (row.expires_at !== null && row.expires_at <= new Date().toISOString()) return null;
    return row;
  }
}
