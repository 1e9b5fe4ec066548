// First-party plugin: the `exec` task type. Plain ESM, loaded by the plugin host without a build step; it
// reaches logline only through the host API (`host.v`, `host.error`, `host.config`), as a user plugin would.
import { spawn } from 'node:child_process';

/** Bytes of stdout and stderr kept (the end of each) for the finished span. */
const TAIL = 2048;
const KILL_GRACE_MS = 2000;

/** True when the config key `task_exec_tenants` (comma-separated slugs, or `*`) names the tenant. */
export function execEnabled(tenant, config) {
  const list = String(config.get('task_exec_tenants') ?? '').split(',').map((t) => t.trim());
  return list.includes('*') || list.includes(tenant);
}

/** @param {import('logline').PluginHost} host */
function register(host) {
  const { v } = host;
  host.taskType({
    name: 'exec',
    description: 'run a command (no shell): {"command": ["prog", "arg", …], "cwd"?, "env"?: {…}, "input"?: "stdin text"}',
    schema: v.strictObject({
      command: v.pipe(v.array(v.string()), v.minLength(1, 'the command needs at least the program')),
      cwd: v.optional(v.string()),
      env: v.optional(v.record(v.string(), v.string())),
      input: v.optional(v.string()),
    }),
    // runs once, and not again after a crash: a command may not be safe to repeat
    defaults: { maxAttempts: 1, backoffMs: 5000, backoffMaxMs: 5 * 60_000, timeoutMs: 10 * 60_000, onCrash: 'fail' },
    ownerOnly: true,
    refuse: (tenant, config) => (execEnabled(tenant, config) ? null : `exec tasks are not enabled for tenant ${tenant}`),
    run: (payload, ctx) => run(host, payload, ctx),
  });
}

/** Runs the command, no shell; fails when it exits non-zero; SIGTERM then SIGKILL when the run is aborted. */
function run(host, payload, ctx) {
  return new Promise((resolve, reject) => {
    const [program, ...args] = payload.command;
    const child = spawn(program, args, { cwd: payload.cwd, env: { ...process.env, ...payload.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    const keep = (which) => (d) => { out[which] = (out[which] + d.toString('utf8')).slice(-TAIL); };
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));
    child.stdin.on('error', () => {});
    child.stdin.end(payload.input ?? '');
    let killer;
    const onAbort = () => {
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      ctx.signal.removeEventListener('abort', onAbort);
      reject(host.error('EXEC_FAILED', `cannot run ${program}: ${e.code ?? e.message}`, { hint: 'check the command and its PATH' }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      ctx.signal.removeEventListener('abort', onAbort);
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      if (code === 0) return resolve({ data: { exit_code: 0, stdout: out.stdout } });
      reject(host.error('EXEC_FAILED', `${program} exited ${signal ?? code}`, {
        hint: 'see the error of the run in `logline task show`', details: { exit_code: code, signal, stderr: out.stderr, stdout: out.stdout },
      }));
    });
  });
}

export default { name: 'exec', version: '1.0.0', register };
