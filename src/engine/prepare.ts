import type { Config } from '../config/config.js';
import { LoglineError } from '../errors/errors.js';
import type { Db } from '../store/db.js';
import { unknownTenant } from '../tenants/gate.js';
import { isSlug } from '../timeline/validate.js';
import { parsePayload, taskError } from './errors.js';
import { PRIORITIES, type NewTask, type TaskPolicy } from './task.js';
import { taskTypeOf, type TaskType } from './types/index.js';

/** A task checked and ready to store: the columns shared by tasks and schedules. */
export interface PreparedTask extends TaskPolicy {
  tenant: string;
  type: TaskType;
  payload: string;
  priority: number;
  causedBy: string | null;
  rule: string | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks everything a caller gives before anything is stored: the type exists and may run for the tenant, the
 * payload fits the type's schema, priority and policy are in range. Each error names the field.
 */
export function prepareTask(t: NewTask, config: Config): PreparedTask {
  if (typeof t.tenant !== 'string' || !isSlug(t.tenant)) throw bad('BAD_TENANT', 'tenant', `"${t.tenant}" is not a tenant slug`, 'a slug is lower-case letters and digits separated by single dashes');
  const type = taskTypeOf(t.type);
  const refused = type.refuse?.(t.tenant, config);
  if (refused) throw taskError('TASK_EXEC_DISABLED', `type: ${refused}`, { usage: true, details: { field: 'type' } });
  parsePayload(type.name, type.schema, t.payload);
  const priority = PRIORITIES.indexOf(t.priority ?? 'normal');
  if (priority < 0) throw bad('BAD_PRIORITY', 'priority', `"${t.priority}" is not a priority`, `one of ${PRIORITIES.join(', ')}`);
  if (t.causedBy !== undefined && !HEX64.test(t.causedBy)) throw bad('BAD_CAUSED_BY', 'caused_by', `"${t.causedBy}" is not a span id`, 'a span id is 64 lower-case hex characters');
  const policy: TaskPolicy = { ...type.defaults };
  for (const key of ['maxAttempts', 'backoffMs', 'backoffMaxMs', 'timeoutMs'] as const) {
    const value = t[key];
    if (value === undefined) continue;
    const min = key === 'maxAttempts' || key === 'timeoutMs' ? 1 : 0;
    if (!Number.isSafeInteger(value) || value < min) throw bad('BAD_POLICY', key, `${key} must be an integer ≥ ${min}, not ${value}`);
    policy[key] = value;
  }
  if (t.onCrash !== undefined) {
    if (t.onCrash !== 'retry' && t.onCrash !== 'fail') throw bad('BAD_POLICY', 'onCrash', `onCrash must be retry or fail, not ${String(t.onCrash)}`);
    policy.onCrash = t.onCrash;
  }
  return { ...policy, tenant: t.tenant, type, payload: JSON.stringify(t.payload), priority, causedBy: t.causedBy ?? null, rule: t.rule ?? null };
}

/** Tasks run in tenants this node holds (their spans are refused anywhere else): checked when they are queued. */
export function requireTenant(db: Db, tenant: string): void {
  if (db.prepare('SELECT 1 FROM tenants WHERE slug = ?').get(tenant) === undefined) throw unknownTenant(tenant);
}

function bad(code: string, field: string, message: string, hint?: string): LoglineError {
  return new LoglineError(code, `${field}: ${message}`, { hint, exitCode: 2, details: { field } });
}
