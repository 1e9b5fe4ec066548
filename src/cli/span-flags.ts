import { Option, type Command } from 'commander';
import { LoglineError } from '../errors/errors.js';
import { KINDS, STATUSES, VISIBILITIES, type SpanDraft, type SpanKind, type SpanStatus, type SpanVisibility } from '../timeline/span.js';
import { isSpanId } from '../timeline/validate.js';
import { collect, parseJsonObject, parseNumberFlag } from './parse.js';

export interface SpanFlags {
  status?: SpanStatus;
  kind?: SpanKind;
  visibility?: SpanVisibility;
  data?: string;
  meta?: string;
  tag?: string[];
  contract?: string;
  workflow?: string;
  flow?: string;
  causedBy?: string;
  related?: string[];
  delta?: string;
  as?: string;
}

/** The flags that set span fields, shared by `log` and `run`. */
export function addSpanOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--status <status>', 'status of the span').choices(STATUSES))
    .addOption(new Option('--kind <kind>', 'kind of the span').choices(KINDS))
    .addOption(new Option('--visibility <visibility>', 'organization (replicated in the tenant), public, or private (never leaves this node)').choices(VISIBILITIES))
    .option('--data <json>', 'payload: a JSON object, @file, or - for stdin')
    .option('--meta <json>', 'metadata: a JSON object, @file, or - for stdin')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--contract <id>', 'contract id')
    .option('--workflow <id>', 'workflow id')
    .option('--flow <id>', 'flow id')
    .option('--caused-by <id>', 'id of the span that caused this one')
    .option('--related <ref>', 'a related span id or external reference (repeatable)', collect)
    .option('--delta <seconds>', 'duration in seconds')
    .option('--as <handle>', 'sign as this identity (default: the configured one)');
}

/** A draft from the flags; `extra` (e.g. `run`'s facts) is merged under the user's `--data`. */
export function draftFromFlags(title: string, tenant: string, f: SpanFlags, extra: { data?: Record<string, unknown>; delta_s?: number } = {}): SpanDraft & { tenant: string } {
  if (f.causedBy !== undefined && !isSpanId(f.causedBy)) throw LoglineError.usage('BAD_SPAN_REF', `--caused-by "${f.causedBy}" is not a 64-hex span id`);
  const userData = f.data === undefined ? undefined : parseJsonObject(f.data, '--data');
  const data = extra.data || userData ? { ...extra.data, ...userData } : undefined;
  const draft: SpanDraft & { tenant: string } = {
    tenant,
    title,
    status: f.status,
    kind: f.kind,
    visibility: f.visibility,
    data,
    metadata: f.meta === undefined ? undefined : parseJsonObject(f.meta, '--meta'),
    tags: f.tag,
    related: f.related,
    contract_id: f.contract,
    workflow_id: f.workflow,
    flow_id: f.flow,
    caused_by: f.causedBy,
    delta_s: f.delta === undefined ? extra.delta_s : parseNumberFlag(f.delta, '--delta'),
  };
  if (f.as !== undefined) draft.logline_id = `logline-id://${f.as}`;
  return draft;
}
