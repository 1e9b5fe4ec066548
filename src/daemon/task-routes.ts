import { ROUTES } from '../api/routes.js';
import type { Engine } from '../engine/engine.js';
import { STATUSES, type NewTask, type TaskInfo, type TaskStatus } from '../engine/task.js';
import { taskTypeOf } from '../engine/types/index.js';
import { LoglineError } from '../errors/errors.js';
import { forbidden } from './handlers.js';
import { parseJson, readBody, sendJson } from './http.js';
import type { DaemonNode } from './node.js';
import type { Auth, Router } from './router.js';

/**
 * The task routes of the local API: list, add (wakes the engine at once), show with its runs, cancel, retry. A
 * token acts on its own tenant's tasks only, and may not queue types that act on the machine (exec, backup).
 */
export function registerTaskRoutes(router: Router, node: DaemonNode): void {
  const engine = (): Engine => {
    if (!node.engine) throw new LoglineError('NOT_READY', 'the task engine has not started', { hint: 'retry in a moment' });
    return node.engine;
  };
  /** The task, when the caller may see it: another tenant's task is as absent as an unknown one. */
  const visible = (id: string, auth: Auth): TaskInfo => {
    const n = Number(id);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(n)) throw LoglineError.usage('BAD_ID', `"${id}" is not a task id`);
    const info = engine().queue.get(n);
    if (auth.kind === 'token' && info.tenant !== auth.tenant) throw new LoglineError('TASK_NOT_FOUND', `no task ${id}`);
    return info;
  };

  router.register(ROUTES.tasks, ({ res, url, auth }) => {
    const p = url.searchParams;
    const tenant = p.get('tenant') ?? undefined;
    if (auth.kind === 'token' && tenant !== undefined && tenant !== auth.tenant) throw forbidden();
    const statuses = p.getAll('status').flatMap((s) => s.split(','));
    const bad = statuses.find((s) => !(STATUSES as readonly string[]).includes(s));
    if (bad !== undefined) throw LoglineError.usage('BAD_STATUS', `status: "${bad}" is not one of ${STATUSES.join(', ')}`);
    const limit = p.has('limit') ? Number(p.get('limit')) : undefined;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000)) throw LoglineError.usage('BAD_LIMIT', 'limit: an integer from 1 to 1000');
    const tasks = engine().queue.list({ tenant: auth.kind === 'token' ? auth.tenant : tenant, statuses: statuses as TaskStatus[], type: p.get('type') ?? undefined, limit });
    sendJson(res, 200, { tasks });
  });

  router.register(ROUTES.taskAdd, async ({ req, res, auth }) => {
    const body = parseJson(await readBody(req, node.maxBody(auth))) as (NewTask & { at?: string }) | null;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw LoglineError.usage('BAD_REQUEST', 'the body must be a task: {"type", "payload", "tenant", …}');
    const task: NewTask = { ...body };
    if (auth.kind === 'token') {
      if (task.tenant !== undefined && task.tenant !== auth.tenant) throw forbidden();
      task.tenant = auth.tenant;
      if (taskTypeOf(String(task.type)).ownerOnly) throw new LoglineError('FORBIDDEN', `${task.type} tasks act on the node's machine: only its owner may queue them`, { hint: 'queue it on the node itself (`logline task add`)' });
    }
    if (body.at !== undefined) {
      task.scheduledFor = Date.parse(body.at);
      if (!Number.isFinite(task.scheduledFor)) throw LoglineError.usage('BAD_TIME', `at: "${body.at}" is not an RFC 3339 time`);
    }
    sendJson(res, 201, engine().enqueue(task));
  });

  router.register(ROUTES.task, ({ res, params, auth }) => {
    const info = visible(params.id, auth);
    sendJson(res, 200, { ...info, runs: engine().queue.runs(info.id) });
  });

  router.register(ROUTES.taskCancel, ({ res, params, auth }) => {
    sendJson(res, 200, engine().cancel(visible(params.id, auth).id));
  });

  router.register(ROUTES.taskRetry, ({ res, params, auth }) => {
    const info = engine().queue.retry(visible(params.id, auth).id);
    engine().wake();
    sendJson(res, 200, info);
  });
}
