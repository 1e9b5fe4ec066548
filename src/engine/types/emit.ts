import * as v from 'valibot';
import { KINDS, MAX_TITLE_CHARS, STATUSES, VISIBILITIES } from '../../timeline/span.js';
import { taskType } from './type.js';

const HEX64 = /^[0-9a-f]{64}$/;
const json = v.record(v.string(), v.unknown());
const strings = v.array(v.string());

/**
 * `emit`: signs and appends one span in the task's tenant, in the transaction that marks the task succeeded,
 * so it is written exactly once. Without `caused_by`, it is caused by the task's trigger. Queued by a reaction
 * rule, the span carries `metadata.reaction` like the rule's own emits, and triggers no reaction.
 * Inline: a run only makes the draft, so the engine records many in one cycle.
 */
export const emit = taskType({
  name: 'emit',
  description: 'sign and append a span: {"title": "…", "data"?, "tags"?, "kind"?, "status"?, "visibility"?, …}',
  schema: v.strictObject({
    title: v.pipe(v.string(), v.minLength(1, 'a title is required'), v.maxLength(MAX_TITLE_CHARS), v.regex(/^[^\r\n]*$/, 'a title is one line')),
    data: v.optional(json),
    metadata: v.optional(json),
    tags: v.optional(strings),
    related: v.optional(strings),
    kind: v.optional(v.picklist(KINDS)),
    status: v.optional(v.picklist(STATUSES)),
    visibility: v.optional(v.picklist(VISIBILITIES)),
    contract_id: v.optional(v.string()),
    workflow_id: v.optional(v.string()),
    flow_id: v.optional(v.string()),
    caused_by: v.optional(v.pipe(v.string(), v.regex(HEX64, 'a span id is 64 lower-case hex characters'))),
    delta_s: v.optional(v.pipe(v.number(), v.minValue(0))),
  }),
  defaults: { maxAttempts: 3, backoffMs: 1000, backoffMaxMs: 60_000, timeoutMs: 30_000, onCrash: 'retry' },
  inline: true,
  async run(payload, ctx) {
    const causedBy = payload.caused_by ?? ctx.task.causedBy ?? undefined;
    // queued by a reaction rule: marked as the rule's own emits are, so that reactions cannot feed themselves
    const metadata = ctx.task.rule ? { ...payload.metadata, reaction: { rule: ctx.task.rule } } : payload.metadata;
    return { spans: [{ ...payload, tenant: ctx.task.tenant, ...(metadata ? { metadata } : {}), ...(causedBy ? { caused_by: causedBy } : {}) }] };
  },
});
