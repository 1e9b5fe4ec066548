import { KINDS, MAX_TITLE_CHARS, STATUSES, VISIBILITIES } from '../timeline/span.js';
import { RULE_ERRORS } from './errors.js';
import { at, fail, isJson, isObject, optionalString, requireJson, requireString, taggedObject, type Loc, type TaggedKind } from './shape.js';
import { ADMISSION_ACTIONS, REACTION_ACTIONS, TASK_PRIORITIES, type ActionDoc, type ActionType, type Json, type Phase } from './types.js';

const { UNKNOWN_ACTION, BAD_ACTION } = RULE_ERRORS;
const MAX_TAG = 512;

/** Span fields an `emit` action may set; tenant, caused_by (the trigger), ts and the chain come from the daemon. */
const EMIT_FIELDS = ['title', 'data', 'metadata', 'tags', 'related', 'contract_id', 'workflow_id', 'flow_id', 'status', 'kind', 'visibility', 'logline_id', 'delta_s'] as const;
const WEBHOOK_FIELDS = ['url', 'method', 'headers', 'body', 'timeout_ms'] as const;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The fields each action type takes besides `type`. */
const FIELDS: Record<ActionType, readonly string[]> = {
  allow: [],
  reject: ['reason'],
  simulate: ['note'],
  add_tag: ['tag'],
  set_metadata: ['key', 'value'],
  note: ['message'],
  emit: EMIT_FIELDS,
  task: ['task', 'payload', 'priority'],
  webhook: WEBHOOK_FIELDS,
  plugin: ['action', 'params'],
};

export const ACTION_TYPES = Object.keys(FIELDS) as ActionType[];

/**
 * The phase an action belongs to. Admission actions decide on and annotate a span before it is signed;
 * reaction actions (emit, task, webhook) run after a span is committed and never touch it. A rule takes part
 * in a phase when it has at least one action of that phase, and in that phase the other actions are skipped.
 */
export function phaseOf(type: ActionType): Phase {
  return (REACTION_ACTIONS as readonly string[]).includes(type) ? 'reaction' : 'admission';
}

const KIND: TaggedKind<ActionType> = {
  noun: 'action', fields: FIELDS, badCode: BAD_ACTION, unknownCode: UNKNOWN_ACTION, example: '{type: add_tag, tag: receipt}',
  known: `admission: ${ADMISSION_ACTIONS.join(', ')}; reaction: ${REACTION_ACTIONS.join(', ')}`,
};

/** Checks one action and returns it normalized (defaults filled in). */
export function normalizeAction(input: unknown, loc: Loc): ActionDoc {
  const { obj: raw, type: t } = taggedObject(input, loc, KIND);
  switch (t) {
    case 'allow':
      return { type: t };
    case 'reject':
      return { type: t, reason: requireString(raw, 'reason', BAD_ACTION, loc) };
    case 'simulate': {
      const note = optionalString(raw, 'note', BAD_ACTION, loc);
      return note === undefined ? { type: t } : { type: t, note };
    }
    case 'add_tag':
      return { type: t, tag: requireString(raw, 'tag', BAD_ACTION, loc, { max: MAX_TAG }) };
    case 'set_metadata':
      return { type: t, key: requireString(raw, 'key', BAD_ACTION, loc), value: requireJson(raw, 'value', BAD_ACTION, loc) };
    case 'note':
      return { type: t, message: requireString(raw, 'message', BAD_ACTION, loc) };
    case 'emit':
      return emit(raw, loc);
    case 'task':
      return task(raw, loc);
    case 'webhook':
      return webhook(raw, loc);
    case 'plugin':
      return plugin(raw, loc);
  }
}

function emit(raw: Record<string, unknown>, loc: Loc): ActionDoc {
  const title = requireString(raw, 'title', BAD_ACTION, loc, { max: MAX_TITLE_CHARS });
  if (/[\r\n\u2028\u2029]/.test(title)) fail(BAD_ACTION, at(loc, 'title'), 'must be one line');
  const out: { type: 'emit'; title: string } & Record<string, Json> = { type: 'emit', title };
  for (const key of EMIT_FIELDS) {
    const v = raw[key];
    if (key === 'title' || v === undefined) continue;
    const bad = (what: string) => fail(BAD_ACTION, at(loc, key), `must be ${what}`);
    if ((key === 'data' || key === 'metadata') && !(isObject(v) && isJson(v))) bad('a JSON object');
    if ((key === 'tags' || key === 'related') && !(Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= MAX_TAG))) bad('a list of non-empty strings');
    if (key === 'status' && !STATUSES.includes(v as never)) bad(`one of ${STATUSES.join(', ')}`);
    if (key === 'kind' && !KINDS.includes(v as never)) bad(`one of ${KINDS.join(', ')}`);
    if (key === 'visibility' && !VISIBILITIES.includes(v as never)) bad(`one of ${VISIBILITIES.join(', ')}`);
    if (['contract_id', 'workflow_id', 'flow_id', 'logline_id'].includes(key) && (typeof v !== 'string' || v === '')) bad('a non-empty string');
    if (key === 'delta_s' && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) bad('a number ≥ 0');
    out[key] = v as Json;
  }
  return out;
}

function task(raw: Record<string, unknown>, loc: Loc): ActionDoc {
  const name = requireString(raw, 'task', BAD_ACTION, loc);
  const payload = raw.payload ?? {};
  if (!(isObject(payload) && isJson(payload))) fail(BAD_ACTION, at(loc, 'payload'), 'must be a JSON object');
  const priority = raw.priority ?? 'normal';
  if (!TASK_PRIORITIES.includes(priority as never)) fail(BAD_ACTION, at(loc, 'priority'), `must be one of ${TASK_PRIORITIES.join(', ')}`);
  return { type: 'task', task: name, payload: payload as { [key: string]: Json }, priority: priority as (typeof TASK_PRIORITIES)[number] };
}

/**
 * Only the shape: rules are read on every write, `logline log` included, where no plugin is loaded. The plugin
 * that registers the action checks `params` against its schema when the daemon carries it out.
 */
function plugin(raw: Record<string, unknown>, loc: Loc): ActionDoc {
  const action = requireString(raw, 'action', BAD_ACTION, loc);
  const params = raw.params ?? {};
  if (!(isObject(params) && isJson(params))) fail(BAD_ACTION, at(loc, 'params'), 'must be a JSON object');
  return { type: 'plugin', action, params: params as { [key: string]: Json } };
}

function webhook(raw: Record<string, unknown>, loc: Loc): ActionDoc {
  const url = requireString(raw, 'url', BAD_ACTION, loc);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) fail(BAD_ACTION, at(loc, 'url'), `"${url}" is not an http(s) URL`);
  const method = raw.method ?? 'POST';
  if (typeof method !== 'string' || !METHODS.includes(method.toUpperCase())) fail(BAD_ACTION, at(loc, 'method'), `must be one of ${METHODS.join(', ')}`);
  const out: { type: 'webhook'; url: string } & Record<string, Json> = { type: 'webhook', url, method: method.toUpperCase() };
  if (raw.headers !== undefined) {
    if (!isObject(raw.headers) || !Object.values(raw.headers).every((h) => typeof h === 'string')) fail(BAD_ACTION, at(loc, 'headers'), 'must map header names to strings');
    out.headers = raw.headers as Record<string, string>;
  }
  if (raw.body !== undefined) out.body = requireJson(raw, 'body', BAD_ACTION, loc);
  if (raw.timeout_ms !== undefined) {
    const ms = raw.timeout_ms;
    if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms < 1) fail(BAD_ACTION, at(loc, 'timeout_ms'), 'must be an integer ≥ 1');
    out.timeout_ms = ms;
  }
  return out;
}
