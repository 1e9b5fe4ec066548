/** The span, wire format v1 (SPEC §2). A protocol contract: change only with a version bump. */

export const SPAN_VERSION = 1;
/** Domain separation: the namespace hashed in front of every span body. */
export const SPAN_ID_PREFIX = 'logline/span/v1\n';
export const STATUSES = ['executed', 'simulated', 'reverted', 'ghost'] as const;
export const KINDS = ['user', 'system', 'organization', 'ghost'] as const;
export const VISIBILITIES = ['organization', 'public', 'private'] as const;
export type SpanStatus = (typeof STATUSES)[number];
export type SpanKind = (typeof KINDS)[number];
export type SpanVisibility = (typeof VISIBILITIES)[number];

/** Limits of the format. */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_TITLE_CHARS = 512;

/** The signed part of a span: everything but `id` and `sig`. */
export interface SpanBody {
  v: 1;
  author: string;
  tenant: string;
  seq: number | null;
  prev: string | null;
  ts: string;
  title: string;
  status: SpanStatus;
  kind: SpanKind;
  visibility: SpanVisibility;
  logline_id?: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  contract_id?: string;
  workflow_id?: string;
  flow_id?: string;
  caused_by?: string;
  related?: string[];
  tags?: string[];
  delta_s?: number;
  replay_from?: string;
  replay_count?: number;
}

export interface Span extends SpanBody {
  id: string;
  sig: string;
}

/** Fields the author fills in; the chain fields and the signature come from the signer. */
export type SpanDraft = Omit<SpanBody, 'v' | 'author' | 'seq' | 'prev' | 'ts' | 'status' | 'kind' | 'visibility'> &
  Partial<Pick<SpanBody, 'ts' | 'status' | 'kind' | 'visibility'>>;

export const REQUIRED_FIELDS = ['v', 'author', 'tenant', 'seq', 'prev', 'ts', 'title', 'status', 'kind', 'visibility'] as const;
export const OPTIONAL_FIELDS = [
  'logline_id', 'data', 'metadata', 'contract_id', 'workflow_id', 'flow_id', 'caused_by', 'related', 'tags',
  'delta_s', 'replay_from', 'replay_count',
] as const;
export const SIGNATURE_FIELDS = ['id', 'sig'] as const;

export function isPrivate(span: Pick<SpanBody, 'visibility'>): boolean {
  return span.visibility === 'private';
}

/** Sorted (UTF-16 code units, JS default) and de-duplicated: the one representation §2 allows. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
