import type { Command } from 'commander';
import { connectDaemon } from '../../client/connect.js';
import { doctor, type DaemonAnswer, type DoctorReport, type Severity } from '../../ops/doctor.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';

const COLOR: Record<Severity, string> = { ok: '32', info: '36', warn: '33', error: '31' };

export default function register(program: Command): void {
  program
    .command('doctor')
    .description('check this node: database integrity, schema, every span\'s signature and chain, forks, keys, daemon, clocks; exit 1 on a problem')
    .addHelpText('after', `
Reads only: nothing is changed or upgraded. Each finding has a severity (ok, info, warn, error), a stable
code and a hint; the exit status is 1 when any finding is a warning or an error. With a daemon running, the
database is read through a read connection of this process and the daemon is asked for its peers.

Example:
  logline doctor --json | jq '.findings[] | select(.severity != "ok")'`)
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.rawHome();
      const { answer, error } = await askDaemon(home.paths.socket);
      const identity = home.config.get('identity');
      const bar = ctx.out.progress('doctor: verify');
      const report = await doctor({
        paths: home.paths, keystore: home.keystore, initialized: home.initialized, identity: typeof identity === 'string' ? identity : null,
        daemon: answer, daemonError: error, crypto: home.crypto,
        onProgress: (done, total) => bar.update(done, { total }),
      });
      ctx.out.endProgress();
      if (ctx.out.json) ctx.out.data(report);
      else print(ctx, report);
      if (!report.ok) process.exitCode = 1;
    });
}

async function askDaemon(socket: string): Promise<{ answer: DaemonAnswer | null; error?: string }> {
  try {
    const client = await connectDaemon(socket);
    if (!client) return { answer: null };
    try {
      const status = await client.status() as unknown as { version: string; pid: number; state: string };
      const peers = await client.peers().catch(() => null);
      return { answer: { version: status.version, pid: status.pid, state: status.state, peers } };
    } finally {
      await client.close();
    }
  } catch (e) {
    return { answer: null, error: (e as Error).message };
  }
}

function print(ctx: Context, r: DoctorReport): void {
  for (const f of r.findings) {
    ctx.out.line(`${ctx.out.paint(COLOR[f.severity], f.severity.padEnd(5))}  ${f.code.padEnd(24)} ${f.message}`);
    if (f.hint && f.severity !== 'ok') ctx.out.line(`       ${''.padEnd(24)} ${ctx.out.paint('2', `hint: ${f.hint}`)}`);
  }
  const count = (s: Severity) => r.findings.filter((f) => f.severity === s).length;
  const spans = r.spans ? `${r.spans.checked} spans checked, ${r.spans.forks} forks; ` : '';
  ctx.out.line(r.ok ? `ok: ${spans}no problems` : `PROBLEMS: ${spans}${count('error')} errors, ${count('warn')} warnings`);
}
