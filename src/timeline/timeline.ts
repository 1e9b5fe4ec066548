import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import { inlineCrypto, type CryptoPool } from '../identity/crypto-pool.js';
import type { SpansRepo } from '../store/spans-repo.js';
import { buildBatch, type Builder } from './batch.js';
import { batchError, buildDrafts, type Built, type Draft, type Heads } from './build.js';
import { spanRow } from './rows.js';
import type { Span, SpanBody } from './span.js';
import { badSignature, checkSignedSpan, verifySpan, type CheckedSpan } from './validate.js';

export type { Builder } from './batch.js';

export type IngestOutcome = 'stored' | 'duplicate' | 'fork';
export type IngestResult = { outcome: IngestOutcome; span: Span } | { outcome: 'rejected'; error: LoglineError };

/**
 * Who may write where (tenants, members, roles): asked before a local span is signed and before a foreign one
 * is stored, and told of every span stored, inside the transaction that stores it.
 */
export interface Gate {
  /**
   * Throws when the author may not sign this body; may change it first (the admission rules' tags, metadata and
   * status) and return local facts to keep beside the span (their outcome).
   */
  admitLocal(body: SpanBody): unknown;
  /** Throws when a checked foreign span may not be stored. */
  admitForeign(span: Span): void;
  /** Why a stored span should not be there as things are now known, or null (for verify). */
  recheck(span: SpanBody): LoglineError | null;
  stored(span: Span, facts?: unknown): void;
}

/** No tenant rules: for tests of the span format alone. */
export const OPEN_GATE: Gate = { admitLocal: () => undefined, admitForeign() {}, recheck: () => null, stored() {} };

/** Listener called after a transaction commits, with the spans it stored (in order). */
export type CommitListener = (spans: readonly Span[], from: string | null) => void;

export const CHAIN_ERRORS = {
  CHAIN_GAP: 'the previous span of this author in this tenant is not here yet: import or sync it first',
  CHAIN_BROKEN_PREV: 'prev must be the id of the stored span at seq - 1 of the same author and tenant',
} as const;

/**
 * Drafts per chunk of `appendAsync`: built, signed (in a worker) and stored (one transaction) as a unit, so
 * that building and storing one chunk on the main thread overlaps signing the next. API batches (≤ 1000) fit
 * in one and stay atomic.
 */
const CHUNK = 1000;

/** Thrown in a store's transaction to roll it back when the caller's own writes refuse it. */
const ROLL_BACK = Symbol('roll back');
/** Thrown by the build of an appendAsync chunk after an earlier chunk of the call was refused. */
const ABANDONED = new LoglineError('APPEND_ABANDONED', 'an earlier chunk of this append was refused');

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
  private readonly crypto: () => CryptoPool;
  readonly gate: Gate;
  private appendTurn: Promise<unknown> = Promise.resolve();
  private storeTurn: Promise<unknown> = Promise.resolve();
  /**
   * `appendBuilt` calls in order of storing, and the chain heads after the last one built, while `open` of them
   * are built and not stored; `stale` once one of those had to be built again.
   */
  private builtStored: Promise<unknown> = Promise.resolve();
  private built: { heads: Heads; open: number; stale: boolean } | undefined;
  /** `appendSoon` calls waiting for the group commit of this turn of the event loop. */
  private group: { drafts: readonly Draft[]; signer: Signer; resolve: (spans: Span[]) => void; reject: (e: unknown) => void }[] | undefined;

  /** `crypto` gives the worker pool for big batches (inline by default); `gate` decides who may write where. */
  constructor(repo: SpansRepo, crypto: () => CryptoPool = () => inlineCrypto, gate: Gate = OPEN_GATE) {
    this.repo = repo;
    this.crypto = crypto;
    this.gate = gate;
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Signs and stores local spans in one write transaction; `seq` strictly increases even across processes.
   * All or nothing: if any draft is invalid, nothing is stored and the error lists every bad draft.
   */
  append(drafts: readonly Draft[], signer: Signer): Span[] {
    const out = this.repo.db.transaction(() => this.signAndInsert(drafts, signer)).immediate();
    this.emit(out, null);
    return out;
  }

  /**
   * `append` for concurrent callers (the daemon's requests): the appends asked for in one turn of the event loop
   * commit in one transaction, each still all or nothing (a savepoint of its own, its own result or error), so
   * that many writers share one commit and one notice to the listeners.
   */
  appendSoon(drafts: readonly Draft[], signer: Signer): Promise<Span[]> {
    return new Promise((resolve, reject) => {
      if (this.group === undefined) {
        this.group = [];
        setImmediate(() => this.commitGroup());
      }
      this.group.push({ drafts, signer, resolve, reject });
    });
  }

  private commitGroup(): void {
    const group = this.group ?? [];
    this.group = undefined;
    const results: (Span[] | { error: unknown })[] = [];
    try {
      this.repo.db.transaction(() => {
        for (const { drafts, signer } of group) {
          try {
            results.push(this.repo.db.transaction(() => this.signAndInsert(drafts, signer))());
          } catch (error) {
            results.push({ error });
          }
        }
      }).immediate();
    } catch (e) {
      for (const g of group) g.reject(e);
      return;
    }
    const stored = results.flatMap((r) => (Array.isArray(r) ? r : []));
    if (stored.length > 0) this.emit(stored, null);
    group.forEach((g, i) => {
      const r = results[i];
      if (Array.isArray(r)) g.resolve(r);
      else g.reject(r.error);
    });
  }

  /** Builds, signs (inline) and inserts local drafts, all or none, inside the caller's transaction. */
  private signAndInsert(drafts: readonly Draft[], signer: Signer): Span[] {
    const result = buildDrafts(drafts, signer.did, new Map(), (t) => this.headOf(signer.did, t), (b) => this.gate.admitLocal(b));
    if (result.failures.length > 0) throw batchError(drafts.length, result);
    return result.built.map((b) => this.insertLocal(b, signer.sign(b.id)));
  }

  /**
   * `append` for batches: CHUNK drafts at a time, each chunk one all-or-nothing group of `appendBuilt`, so that
   * a chunk (or the next call) is built here while the one before is signed in the crypto pool's workers, at most
   * two of a call in flight. A call of at most CHUNK drafts (an API batch) is all or nothing; in a bigger one, the
   * chunks before an invalid draft are stored (the error gives the line), it and the rest are not. A writer in
   * another process that moves a head meanwhile makes the rest be built again on top of it.
   */
  async appendAsync(drafts: readonly Draft[], signer: Signer): Promise<Span[]> {
    // the first chunk that failed: the ones after it are not stored
    let failedAt = Infinity;
    const chunk = (at: number): Promise<Span[]> => {
      let out: Span[] = [];
      const stored = this.appendBuilt(signer, (b) => {
        if (at > failedAt) throw ABANDONED;
        const r = b.add(drafts.slice(at, at + CHUNK), { line: at + 1, of: drafts.length });
        if (r instanceof LoglineError) {
          failedAt = Math.min(failedAt, at);
          throw r;
        }
      }, (_, spans) => {
        out = [...spans];
        return at < failedAt;
      }).then(() => out);
      stored.catch(() => { failedAt = Math.min(failedAt, at); });
      return stored;
    };
    const out: Span[] = [];
    let previous: Promise<Span[]> | undefined;
    for (let at = 0; at < drafts.length; at += CHUNK) {
      const next = chunk(at);
      if (previous) out.push(...(await previous));
      previous = next;
    }
    if (previous) out.push(...(await previous));
    return out;
  }

  /**
   * For a writer whose own rows must commit with its spans (the task engine): `build` builds local drafts in
   * groups (each all or nothing) and returns a plan; the spans are signed in the crypto pool, then stored in one
   * transaction with the caller's own writes, `within(plan)`, which returns false to roll both back. When it
   * does, or another writer moved a chain meanwhile, `build` runs again (so it must have no effect of its own).
   * Resolves to the plan that committed. Calls are built and stored in call order, each built on the chains of
   * the ones before it, so that a caller can have the next batch built while the one before is signed.
   */
  appendBuilt<P>(signer: Signer, build: (b: Builder) => P, within: (plan: P, spans: readonly Span[]) => boolean): Promise<P> {
    const author = signer.did;
    const readHead = (t: string) => this.headOf(author, t);
    const make = (heads: Heads) => {
      const batch = buildBatch(author, heads, readHead, (b) => this.gate.admitLocal(b), build);
      const sigs = this.crypto().sign(signer, batch.built.map((b) => b.id));
      sigs.catch(() => {}); // awaited below; not unhandled meanwhile
      return { ...batch, sigs };
    };
    const before = this.builtStored;
    const built = this.appendTurn.then(async () => {
      // a batch built again leaves the chains unknown until the ones before this are stored
      if (this.built?.stale) await before;
      const batch = make(this.built?.heads ?? new Map());
      this.built = { heads: batch.heads, open: (this.built?.open ?? 0) + 1, stale: false };
      return batch;
    });
    // the next call builds once this one is built; an appendAsync waits for it to be stored too
    this.appendTurn = built.catch(() => {});
    const stored = before.then(() => built).then(async (first) => {
      try {
        // the ones before are stored: a batch that cannot be is built again on the stored chains, and those
        // built after it on its first build are stale
        for (let batch = first; ; batch = make(new Map())) {
          const sigs = await batch.sigs;
          if (this.storeChunk(batch.built, sigs, author, (spans) => within(batch.plan, spans)) !== null) return batch.plan;
          this.built!.stale = true;
        }
      } finally {
        if (--this.built!.open === 0) this.built = undefined;
      }
    });
    this.builtStored = stored.catch(() => {});
    return stored;
  }

  /**
   * Stores one signed chunk, and runs `within` in its transaction, if the chains it extends are still where it
   * was built and `within` agrees; null otherwise, with nothing stored.
   */
  private storeChunk(chunk: readonly Built[], sigs: readonly Buffer[], author: string, within?: (spans: Span[]) => boolean): Span[] | null {
    const store = this.repo.db.transaction(() => {
      const checked = new Set<string>();
      for (const b of chunk) {
        if (b.span.seq === null || checked.has(b.span.tenant)) continue;
        checked.add(b.span.tenant);
        const head = this.headOf(author, b.span.tenant);
        if ((head?.seq ?? 0) !== b.span.seq - 1 || (head?.id ?? null) !== b.span.prev) return null;
      }
      const stored = chunk.map((b, i) => this.insertLocal(b, sigs[i]));
      if (within && !within(stored)) throw ROLL_BACK;
      return stored;
    });
    let spans: Span[] | null;
    try {
      spans = store.immediate();
    } catch (e) {
      if (e !== ROLL_BACK) throw e;
      spans = null;
    }
    if (spans && spans.length > 0) this.emit(spans, null);
    return spans;
  }

  private headOf(author: string, tenant: string): { seq: number; id: string } | undefined {
    const stored = this.repo.head(author, tenant);
    return stored ? { seq: stored.seq, id: stored.id.toString('hex') } : undefined;
  }

  private insertLocal(b: Built, sig: Buffer): Span {
    const span = { ...b.span, sig: sig.toString('hex') } as Span;
    // a chained span is new by construction (its seq is free); an unchained one may repeat an identical one
    if (span.seq !== null || !this.repo.has(b.id)) {
      this.repo.insert(spanRow(span, b.body, null));
      this.gate.stored(span, b.facts);
    }
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

  /**
   * `ingest` for big batches: signatures are checked in the crypto pool's worker threads. Several calls may be
   * in flight: each is checked as soon as it arrives and stored in call order, so a caller can have batch k
   * stored while batch k+1 is being verified.
   */
  async ingestAsync(values: readonly unknown[], from: string | null = null): Promise<IngestResult[]> {
    const checked = values.map((value): CheckedSpan | LoglineError => {
      try {
        return checkSignedSpan(value);
      } catch (e) {
        if (e instanceof LoglineError) return e;
        throw e;
      }
    });
    const good = checked.filter((c): c is CheckedSpan => !(c instanceof LoglineError));
    const verified = this.crypto().verify(good.map((c) => ({ did: c.span.author, msg: c.id, sig: c.sig })));
    const turn = this.storeTurn.then(async () => {
      const ok = await verified;
      const badSig = new Set(good.filter((_, i) => !ok[i]));
      return this.storeChecked(checked.map((c) => (c instanceof LoglineError ? c : badSig.has(c) ? badSignature(c.span) : c)), from);
    });
    this.storeTurn = turn.catch(() => {});
    return turn;
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
    this.gate.admitForeign(span);
    this.repo.insert(spanRow(span, body, from));
    this.gate.stored(span);
    return 'stored';
  }

  private emit(spans: readonly Span[], from: string | null): void {
    for (const listener of this.listeners) listener(spans, from);
  }
}

function short(did: string): string {
  return `${did.slice(0, 16)}…`;
}
