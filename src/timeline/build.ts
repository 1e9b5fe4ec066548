import { LoglineError } from '../errors/errors.js';
import { spanIdBytes } from './canonical.js';
import { isPrivate, sortedUnique, type Span, type SpanBody, type SpanDraft } from './span.js';
import { checkShape, isSlug, spanError } from './validate.js';

export type Draft = SpanDraft & { tenant: string };

/** A local span built and hashed, waiting for its signature. */
export interface Built {
  span: Omit<Span, 'sig'>;
  body: string;
  id: Buffer;
  /** Local facts the admission kept for beside the span (the rules' outcome), if any. */
  facts?: unknown;
}

/** Chain heads of one author while a batch is built: tenant → last seq and id. */
export type Heads = Map<string, { seq: number; id: string }>;

export interface BuildResult {
  built: Built[];
  failures: { line: number; code: string; message: string }[];
  first?: LoglineError;
}

/**
 * Builds and hashes local spans in order, chaining each tenant's spans from `heads` (filled on first use
 * from `readHead`), after `admit` (who may write where) has seen each body. Invalid drafts are collected, not thrown, so a batch can report every bad line.
 */
export function buildDrafts(drafts: readonly Draft[], author: string, heads: Heads, readHead: (tenant: string) => { seq: number; id: string } | undefined,
  admit: (body: SpanBody) => unknown = () => undefined): BuildResult {
  const result: BuildResult = { built: [], failures: [] };
  drafts.forEach((draft, i) => {
    try {
      if (draft === null || typeof draft !== 'object' || Array.isArray(draft)) throw spanError('SPAN_NOT_OBJECT', 'a draft is one JSON object');
      const body = bodyFromDraft(draft, author);
      const facts = admit(body);
      if (!isPrivate(body)) {
        let head = heads.get(body.tenant);
        if (head === undefined) head = (isSlug(body.tenant) ? readHead(body.tenant) : undefined) ?? { seq: 0, id: '' };
        body.seq = head.seq + 1;
        body.prev = head.seq === 0 ? null : head.id;
      }
      const canonical = checkShape(body, false);
      const id = spanIdBytes(canonical);
      const span = { ...body, id: id.toString('hex') };
      if (body.seq !== null) heads.set(body.tenant, { seq: body.seq, id: span.id });
      result.built.push(facts === undefined ? { span, body: canonical, id } : { span, body: canonical, id, facts });
    } catch (e) {
      if (!(e instanceof LoglineError)) throw e;
      result.first ??= e;
      result.failures.push({ line: i + 1, code: e.code, message: e.message });
    }
  });
  return result;
}

/** The error of a batch with invalid drafts: a lone draft keeps its own error; a batch lists every line. */
export function batchError(count: number, result: BuildResult): LoglineError {
  if (count === 1 && result.first) return result.first;
  return new LoglineError('BATCH_REJECTED', `${result.failures.length} of ${count} spans are invalid; nothing was stored`, {
    hint: 'fix the listed lines and send the batch again', details: { lines: result.failures },
  });
}

function bodyFromDraft(draft: Draft, author: string): SpanBody {
  const body: SpanBody = {
    v: 1,
    author,
    tenant: draft.tenant,
    seq: null,
    prev: null,
    ts: draft.ts ?? new Date().toISOString(),
    title: draft.title,
    status: draft.status ?? 'executed',
    kind: draft.kind ?? 'user',
    visibility: draft.visibility ?? 'organization',
  };
  for (const [key, value] of Object.entries(draft)) {
    if (value === undefined || key in body) continue;
    (body as unknown as Record<string, unknown>)[key] = key === 'tags' || key === 'related' ? sortedUnique(value as string[]) : value;
  }
  return body;
}
