import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import type { SignatureVerifier } from '../identity/verify-pool.js';
import type { SpansRepo } from '../store/spans-repo.js';
import { spanIdBytes } from './canonical.js';
import { spanRow } from './rows.js';
import { isPrivate, sortedUnique, type Span, type SpanBody, type SpanDraft } from './span.js';
import { badSignature, checkShape, checkSignedSpan, isSlug, spanError, verifySpan, type CheckedSpan } from './validate.js';

export type IngestOutcome = 'stored' | 'duplicate' | 'fork';
export type IngestResult = { outcome: IngestOutcome; span: Span } | { outcome: 'rejected'; error: LoglineError };

/** Listener called after a transaction commits, with the spans it stored (in order). */
export type CommitListener = (spans: readonly Span[], from: string | null) => void;

export const CHAIN_ERRORS = {
  CHAIN_GAP: 'the previous span of this author in this tenant is not here yet: import or sync it first',
  CHAIN_BROKEN_PREV: 'prev must be the id of the stored span at seq - 1 of the same author and tenant',
} as const;

function chainError(code: keyof typeof CHAIN_ERRORS, message: string): LoglineError {
  return new LoglineError(code, message, { hint: CHAIN_ERRORS[code] });
}

/**
 * The timeline of one node: signs and chains local spans, checks and stores foreign ones, and tells listeners
 * what committed. Every write goes through here, so the rules of SPEC §2 hold for all of them.
 */
export class Timeline {
  readonly repo: SpansRepo;
  private readonly listeners = new Set<CommitListener>();

  constructor(repo: SpansRepo) {
    this.repo = repo;
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Signs and stores local spans in one write transaction; `seq` strictly increases even across processes.
   * All or nothing: if any draft is invalid, nothing is stored and the error lists every bad draft.
   */
  append(drafts: readonly (SpanDraft & { tenant: string })[], signer: Signer): Span[] {
    const heads = new Map<string, { seq: number; id: string }>();
    const failures: { line: number; code: string; message: string }[] = [];
    let first: LoglineError | undefined;
    const out = this.repo.db.transaction(() => {
      const spans: Span[] = [];
      drafts.forEach((draft, i) => {
        try {
          spans.push(this.signOne(draft, signer, heads));
        } catch (e) {
          if (!(e instanceof LoglineError)) throw e;
          first ??= e;
          failures.push({ line: i + 1, code: e.code, message: e.message });
        }
      });
      if (failures.length === 0) return spans;
      // a lone draft keeps its own error; a batch reports every line
      throw drafts.length === 1 ? first! : new LoglineError('BATCH_REJECTED', `${failures.length} of ${drafts.length} spans are invalid; nothing was stored`, {
        hint: 'fix the listed lines and send the batch again', details: { lines: failures },
      });
    }).immediate();
    this.emit(out, null);
    return out;
  }

  private signOne(draft: SpanDraft & { tenant: string }, signer: Signer, heads: Map<string, { seq: number; id: string }>): Span {
    if (draft === null || typeof draft !== 'object' || Array.isArray(draft)) throw spanError('SPAN_NOT_OBJECT', 'a draft is one JSON object');
    const body = bodyFromDraft(draft, signer.did);
    if (!isPrivate(body)) {
      let head = heads.get(body.tenant);
      if (head === undefined) {
        const stored = isSlug(body.tenant) ? this.repo.head(signer.did, body.tenant) : undefined;
        head = stored ? { seq: stored.seq, id: stored.id.toString('hex') } : { seq: 0, id: '' };
      }
      body.seq = head.seq + 1;
      body.prev = head.seq === 0 ? null : head.id;
    }
    const canonical = checkShape(body, false);
    const id = spanIdBytes(canonical);
    const span: Span = { ...body, id: id.toString('hex'), sig: signer.sign(id).toString('hex') };
    this.repo.insert(spanRow(span, canonical, null));
    if (body.seq !== null) heads.set(body.tenant, { seq: body.seq, id: span.id });
    return span;
  }

  /**
   * Checks and stores signed spans from elsewhere (import, a peer): shape, id and signature, then the chain
   * against the store, in order, in one transaction. Invalid spans are reported and never stored.
   */
  ingest(values: readonly unknown[], from: string | null = null): IngestResult[] {
    return this.storeChecked(values.map((value) => {
      try {
        return verifySpan(value);
      } catch (e) {
        if (e instanceof LoglineError) return e;
        throw e;
      }
    }), from);
  }

  /** `ingest` for big batches: signatures are checked by the verifier (worker threads) off the main thread. */
  async ingestAsync(values: readonly unknown[], from: string | null, verifier: SignatureVerifier): Promise<IngestResult[]> {
    const checked = values.map((value): CheckedSpan | LoglineError => {
      try {
        return checkSignedSpan(value);
      } catch (e) {
        if (e instanceof LoglineError) return e;
        throw e;
      }
    });
    const good = checked.filter((c): c is CheckedSpan => !(c instanceof LoglineError));
    const ok = await verifier.verify(good.map((c) => ({ did: c.span.author, msg: c.id, sig: c.sig })));
    const badSig = new Set(good.filter((_, i) => !ok[i]));
    return this.storeChecked(checked.map((c) => (c instanceof LoglineError ? c : badSig.has(c) ? badSignature(c.span) : c)), from);
  }

  /** Stores spans whose shape, id and signature were checked, applying the chain rules in order. */
  private storeChecked(checked: readonly (CheckedSpan | LoglineError)[], from: string | null): IngestResult[] {
    const stored: Span[] = [];
    const results = this.repo.db.transaction(() => checked.map((c): IngestResult => {
      if (c instanceof LoglineError) return { outcome: 'rejected', error: c };
      try {
        const outcome = this.store(c.span, c.body, from);
        if (outcome === 'stored') stored.push(c.span);
        return { outcome, span: c.span };
      } catch (e) {
        if (e instanceof LoglineError) return { outcome: 'rejected', error: e };
        throw e;
      }
    })).immediate();
    if (stored.length > 0) this.emit(stored, from);
    return results;
  }

  private store(span: Span, body: string, from: string | null): IngestOutcome {
    const id = Buffer.from(span.id, 'hex');
    if (this.repo.has(id)) return 'duplicate';
    if (span.seq !== null) {
      const existing = this.repo.idAtSeq(span.author, span.tenant, span.seq);
      if (existing !== undefined) {
        this.repo.insertFork({ id, sig: Buffer.from(span.sig, 'hex'), author: span.author, tenant: span.tenant, seq: span.seq,
          canonical_id: existing, body, received_at: Date.now(), received_from: from });
        return 'fork';
      }
      if (span.seq > 1) {
        const prev = this.repo.idAtSeq(span.author, span.tenant, span.seq - 1);
        if (prev === undefined) throw chainError('CHAIN_GAP', `seq ${span.seq - 1} of ${short(span.author)} in ${span.tenant} is missing`);
        if (prev.toString('hex') !== span.prev) throw chainError('CHAIN_BROKEN_PREV', `prev of seq ${span.seq} is not the id of seq ${span.seq - 1}`);
      }
    }
    this.repo.insert(spanRow(span, body, from));
    return 'stored';
  }

  private emit(spans: readonly Span[], from: string | null): void {
    for (const listener of this.listeners) listener(spans, from);
  }
}

function bodyFromDraft(draft: SpanDraft & { tenant: string }, author: string): SpanBody {
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

function short(did: string): string {
  return `${did.slice(0, 16)}…`;
}
