import { spawn } from 'node:child_process';
import * as v from 'valibot';
import type { Config } from '../../config/config.js';
import { LoglineError } from '../../errors/errors.js';
import { TASK_ERRORS } from '../errors.js';
import { taskType } from './type.js';

/** Bytes of stdout and stderr kept (the end of each) for the finished span. */
const TAIL = 2048;
const KILL_GRACE_MS = 2000;

/** True when the config key `task_exec_tenants` (comma-separated slugs, or `*`) names the tenant. */
export function execEnabled(tenant: string, config: Config): boolean {
  const list = String(config.get('task_exec_tenants') ?? '').split(',').map((t) => t.trim());
  return list.includes('*') || list.includes(tenant);
}

/**
 * `exec`: runs a command (an argv array, no shell) and fails when it exits non-zero. Off unless the tenant is in
 * the config key `task_exec_tenants`. By default it runs once and is not run again after a crash: a command may
 * not be safe to repeat.
 */
export const exec = taskType({
  name: 'exec',
  description: 'run a command (no shell): {"command": ["prog", "arg", …], "cwd"?, "env"?: {…}, "input"?: "stdin text"}',
  schema: v.strictObject({
    command: v.pipe(v.array(v.string()), v.minLength(1, 'the command needs at least the program')),
    cwd: v.optional(v.string()),
    env: v.optional(v.record(v.string(), v.string())),
    input: v.optional(v.string()),
  }),
  defaults: { maxAttempts: 1, backoffMs: 5000, backoffMaxMs: 5 * 60_000, timeoutMs: 10 * 60_000, onCrash: 'fail' },
  ownerOnly: true,
  refuse: (tenant, config) => (execEnabled(tenant, config) ? null : `exec tasks are not enabled for tenant ${tenant}`),
  run(payload, ctx) {
    return new Promise((resolve, reject) => {
      const [program, ...args] = payload.command;
      const child = spawn(program, args, { cwd: payload.cwd, env: { ...process.env, ...payload.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out = { stdout: '', stderr: '' };
      const keep = (which: 'stdout' | 'stderr') => (d: Buffer) => { out[which] = (out[which] + d.toString('utf8')).slice(-TAIL); };
      child.stdout.on('data', keep('stdout'));
      child.stderr.on('data', keep('stderr'));
      child.stdin.on('error', () => {});
      child.stdin.end(payload.input ?? '');
      let killer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        child.kill('SIGTERM');
        killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e: NodeJS.ErrnoException) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(new LoglineError('EXEC_FAILED', `cannot run ${program}: ${e.code ?? e.message}`, { hint: 'check the command and its PATH' }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(killer);
        ctx.signal.removeEventListener('abort', onAbort);
        if (ctx.signal.aborted) return reject(ctx.signal.reason);
        if (code === 0) return resolve({ data: { exit_code: 0, stdout: out.stdout } });
        reject(new LoglineError('EXEC_FAILED', `${program} exited ${signal ?? code}`, {
          hint: TASK_ERRORS.TASK_FAILED, details: { exit_code: code, signal, stderr: out.stderr, stdout: out.stdout },
        }));
      });
    });
  },
});
