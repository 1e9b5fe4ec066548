import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import type { Home } from '../node/home.js';
import type { Span } from '../timeline/span.js';
import { badOtlp } from './attributes.js';
import { parseOtlpTraces } from './otlp.js';
import { draftFromOtel, MAX_OTLP_SPANS, parentsFirst } from './to-logline.js';

export interface OtlpIngestResult {
  /** The logline spans signed for this request, parents before children. */
  spans: Span[];
  /** OTel spans already stored by an earlier request (an exporter's retry): skipped. */
  duplicates: number;
}

/**
 * Signs the spans of an OTLP/JSON trace request into `tenant`, all or nothing: parents before children, so that
 * each child's `caused_by` is its parent (found in this request or, through the otel index, in an earlier one).
 * A malformed request, or a span that is no valid logline span, is a `BAD_OTLP` error and stores nothing.
 */
export function ingestOtlp(home: Home, tenant: string, request: unknown, signer: Signer): OtlpIngestResult {
  const all = parseOtlpTraces(request);
  if (all.length > MAX_OTLP_SPANS) throw badOtlp(`the request has ${all.length} spans, at most ${MAX_OTLP_SPANS} are taken at once`);
  const index = home.otel;
  const fresh = all.filter((s) => index.find(tenant, s.traceId, s.spanId) === undefined);
  const waves = parentsFirst(fresh);
  const drafts = waves.map((wave) => wave.map((s) => draftFromOtel(s, tenant)));
  const spans = home.db.transaction(() => {
    const out: Span[] = [];
    waves.forEach((wave, w) => {
      try {
        // each wave commits into this transaction, and the commit listener indexes it for the next wave
        out.push(...home.timeline.append(index.linkParents(drafts[w]), signer));
      } catch (e) {
        if (!(e instanceof LoglineError)) throw e;
        const lines = (e.details?.lines as { line: number; code: string; message: string }[] | undefined) ?? [{ line: 1, code: e.code, message: e.message }];
        // a span the format refuses is a malformed request; a refusal of the writer (tenant, role) stays what it is
        if (!lines[0].code.startsWith('SPAN_')) throw e;
        const first = wave[lines[0].line - 1] ?? wave[0];
        throw new LoglineError('BAD_OTLP_SPAN', `${first.path} (span ${first.spanId}) makes no valid logline span: ${lines[0].message}`, {
          hint: e.hint ?? 'see SPEC §2 for the limits of a span', details: { code: e.code, spans: lines.length },
        });
      }
    });
    return out;
  }).immediate();
  return { spans, duplicates: all.length - fresh.length };
}
