/**
 * The contract shared by the CLI, the in-process client and (later) the daemon's local API: request and
 * result shapes. Field names only gain, never change.
 */
import type { Span, SpanDraft } from '../timeline/span.js';

export const API_VERSION = 1;

export interface QueryFilters {
  tenant?: string;
  author?: string;
  /** RFC 3339 lower bound on `ts` (inclusive). */
  since?: string;
  /** RFC 3339 upper bound on `ts` (exclusive). */
  until?: string;
  status?: string;
  tags?: string[];
  contract?: string;
  workflow?: string;
  flow?: string;
  /** Full-text query (FTS5) over title and data. */
  text?: string;
  /** Page size; the default is 50, at most 1000. */
  limit?: number;
  /** Opaque cursor from a previous page's `next`. */
  cursor?: string;
}

export interface Page {
  spans: Span[];
  /** Cursor of the next (older) page, null at the end. */
  next: string | null;
}

export interface AppendRequest {
  drafts: (SpanDraft & { tenant: string })[];
  /** Handle of the signing identity; the default identity when absent. */
  identity?: string;
}

export interface VerifyFinding {
  code: string;
  message: string;
  id?: string;
  author?: string;
  tenant?: string;
  seq?: number;
}

export interface VerifyReport {
  checked: number;
  forks: number;
  ok: boolean;
  findings: VerifyFinding[];
}

export interface ImportReport {
  lines: number;
  stored: number;
  duplicates: number;
  forks: number;
  rejected: { line: number; code: string; message: string }[];
}

/** A tenant this node holds, as its event spans define it. */
export interface TenantInfo {
  slug: string;
  name: string;
  /** Id of the tenant.created span that counts. */
  genesis: string;
  /** did of the genesis author, the first owner. */
  owner: string;
  created: string;
  members: number;
  spans: number;
}

export interface MemberInfo {
  did: string;
  role: 'owner' | 'admin' | 'member' | 'viewer';
  handle: string | null;
  /** ts of the span that gave the current role. */
  since: string;
}
