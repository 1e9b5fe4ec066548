import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { connectDaemon } from '../../client/connect.js';
import { EXIT, LoglineError } from '../../errors/errors.js';
import type { Home } from '../../node/home.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { configFlagHelp } from '../config-help.js';
import { nodeAddresses } from '../node-addresses.js';
import { collect } from '../parse.js';

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 15_000;

interface StartFlags { foreground?: boolean; http?: string; listen?: string[] }

export default function register(program: Command): void {
  const node = program.command('node').description('the long-lived node daemon: local API, live events, metrics');

  node.command('start')
    .description('start the daemon (detached, logging under the state dir), or in the foreground')
    .option('--foreground', 'run in this process until SIGTERM or SIGINT')
    .option('--http <host:port>', configFlagHelp('http', 'also listen on TCP with bearer tokens'))
    .option('--listen <multiaddr>', configFlagHelp('listen', 'libp2p listen address, repeatable'), collect)
    .action(async (flags: StartFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (flags.foreground) return runForeground(ctx, flags);
      await startDetached(ctx, flags);
    });

  node.command('stop')
    .description('stop the daemon of this home (SIGTERM, waiting for a clean stop)')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const stopped = await stopDaemon(ctx.home());
      if (ctx.out.json) return ctx.out.data({ stopped: stopped !== null, pid: stopped });
      ctx.out.line(stopped === null ? 'not running' : `stopped (pid ${stopped})`);
    });

  node.command('restart')
    .description('stop the daemon if it runs, then start it detached')
    .option('--http <host:port>', configFlagHelp('http', 'also listen on TCP with bearer tokens'))
    .option('--listen <multiaddr>', configFlagHelp('listen', 'libp2p listen address, repeatable'), collect)
    .action(async (flags: StartFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      await nodeAddresses(ctx.home(), flags); // a bad address leaves the running daemon alone
      await stopDaemon(ctx.home());
      await startDetached(ctx, flags);
    });

  node.command('status')
    .description('pid, uptime, version, spans, tenants and API addresses of the running daemon (exit 3 when stopped)')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.home();
      const client = await connectDaemon(home.paths.socket);
      if (!client) {
        if (ctx.out.json) ctx.out.data({ state: 'stopped' });
        else ctx.out.line('stopped');
        process.exitCode = EXIT.DAEMON_UNREACHABLE;
        return;
      }
      const s = (await client.status()) as unknown as Record<string, unknown> & { tenants: { tenant: string; spans: number }[]; api: { socket: string; http: string | null }; identity: { did: string; peerId: string }; addresses: string[];
        tasks?: { concurrency: number; running: number; queued: number; schedules: number } | null;
        plugins?: { plugins: { name: string }[]; failures: { code: string; message: string }[] } | null };
      await client.close();
      if (ctx.out.json) return ctx.out.data(s);
      ctx.out.line(`state     ${s.state} (pid ${s.pid}, up ${formatUptime(s.uptimeSeconds as number)})`);
      ctx.out.line(`version   ${s.version}`);
      ctx.out.line(`identity  ${s.identity.did}`);
      ctx.out.line(`peer id   ${s.identity.peerId}`);
      ctx.out.line(`spans     ${s.spans}`);
      ctx.out.line(`tenants   ${s.tenants.map((t) => `${t.tenant} (${t.spans})`).join(', ') || 'none'}`);
      ctx.out.line(`socket    ${s.api.socket}`);
      if (s.api.http) ctx.out.line(`http      ${s.api.http}`);
      for (const a of s.addresses) ctx.out.line(`p2p       ${a}`);
      if (s.addresses.length === 0) ctx.out.line('p2p       off');
      if (s.tasks) ctx.out.line(`tasks     ${s.tasks.running} running of ${s.tasks.concurrency}, ${s.tasks.queued} queued, ${s.tasks.schedules} schedules`);
      if (s.plugins) ctx.out.line(`plugins   ${s.plugins.plugins.map((p) => p.name).join(', ') || 'none'}${s.plugins.failures.length ? `; ${s.plugins.failures.length} failed` : ''}`);
      for (const f of s.plugins?.failures ?? []) ctx.out.line(`          ${ctx.out.paint('31', f.code)}: ${f.message}`);
    });

  node.command('install-service')
    .description('write a systemd user unit that runs this home\'s daemon')
    .option('--force', 'overwrite an existing unit')
    .option('--stdout', 'print the unit instead of writing it (with --json, as the field text)')
    .action((opts: { force?: boolean; stdout?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.home();
      const name = home.paths.home ? `logline-${home.paths.home.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}` : 'logline';
      const unit = serviceUnit(home);
      if (opts.stdout) return ctx.out.json ? ctx.out.data({ file: null, unit: `${name}.service`, text: unit }) : ctx.out.line(unit);
      const dir = join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'systemd', 'user');
      const file = join(dir, `${name}.service`);
      if (existsSync(file) && !opts.force) throw new LoglineError('SERVICE_EXISTS', `${file} exists`, { hint: 'pass --force to overwrite it' });
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, unit);
      if (ctx.out.json) return ctx.out.data({ file, unit: `${name}.service` });
      ctx.out.line(file);
      ctx.out.info(`enable it with: systemctl --user daemon-reload && systemctl --user enable --now ${name}`);
    });
}

async function runForeground(ctx: Context, flags: StartFlags): Promise<void> {
  const home = ctx.home();
  home.signer(); // unlock the signing key now: a locked key fails the start, not the first append
  const { startDaemon } = await import('../../daemon/daemon.js');
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const { http, listen, bootstrap } = await nodeAddresses(home, flags);
  const daemon = await startDaemon({
    home, http, log, listen, bootstrap, mdns: home.config.get('mdns') === true,
    tokenRate: home.config.get('token_rate') as number,
    tokenBodyLimit: home.config.get('token_body_limit') as number,
  });
  // A promise that rejects with nobody to handle it (a plugin's timer, say) would end the process, and with it every
  // stream and peer session of the node: log it with its stack, count it, and serve on.
  process.on('unhandledRejection', (reason) => {
    log(`unhandled rejection (the node goes on): ${(reason as Error)?.stack ?? String(reason)}`);
    daemon.node.metrics.inc('logline_unhandled_rejections_total', 'Promises that rejected with nobody to handle them (each is in the log)');
  });
  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      log(`${sig}: stopping`);
      void daemon.stop().then(resolve);
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}

async function startDetached(ctx: Context, flags: StartFlags): Promise<void> {
  const home = ctx.home();
  const { lockHolder } = await import('../../daemon/lock.js');
  const running = lockHolder(home.paths.lock);
  if (running !== null) throw new LoglineError('DAEMON_RUNNING', `the daemon already runs (pid ${running})`, { hint: '`logline node status`, or `logline node restart`' });
  await nodeAddresses(home, flags); // a bad address is said here, not as a failed start with the daemon's log
  mkdirSync(dirname(home.paths.log), { recursive: true, mode: 0o700 });
  const logFd = openSync(home.paths.log, 'a', 0o600);
  const { spawn } = await import('node:child_process');
  const args = [process.argv[1], ...(home.paths.home ? ['--home', home.paths.home] : []),
    ...(ctx.globals.passphraseFile ? ['--passphrase-file', ctx.globals.passphraseFile] : []),
    'node', 'start', '--foreground', ...(flags.http ? ['--http', flags.http] : []), ...(flags.listen ?? []).flatMap((a) => ['--listen', a])];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd], env: process.env });
  closeSync(logFd);
  let exited: number | null = null;
  child.on('exit', (code) => { exited = code ?? 1; });
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited !== null) {
      throw new LoglineError('DAEMON_START_FAILED', `the daemon exited with code ${exited}`, { hint: `its log ${home.paths.log} ends with:\n${tail(home.paths.log)}` });
    }
    const client = await connectDaemon(home.paths.socket).catch(() => null);
    if (client) {
      const status = await client.status();
      await client.close();
      if (ctx.out.json) return ctx.out.data(status);
      ctx.out.line(`started (pid ${child.pid})`);
      ctx.out.info(`log: ${home.paths.log}`);
      return;
    }
    if (Date.now() > deadline) throw new LoglineError('DAEMON_START_FAILED', 'the daemon did not become ready in time', { hint: `see ${home.paths.log}` });
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends SIGTERM and waits for the process to go; returns its pid, or null when none ran. */
async function stopDaemon(home: Home): Promise<number | null> {
  const { lockHolder } = await import('../../daemon/lock.js');
  const pid = lockHolder(home.paths.lock);
  if (pid === null) return null;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (lockHolder(home.paths.lock) === pid) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      throw new LoglineError('DAEMON_STOP_TIMEOUT', `pid ${pid} did not stop in ${STOP_TIMEOUT_MS / 1000} s and was killed`, { hint: 'run `logline verify --all` to check the store' });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return pid;
}

function serviceUnit(home: Home): string {
  const homeArg = home.paths.home ? ` --home ${home.paths.home}` : '';
  return `[Unit]
Description=logline node${home.paths.home ? ` (${home.paths.home})` : ''}
After=network-online.target

[Service]
Type=simple
ExecStart=${process.execPath} ${process.argv[1]}${homeArg} node start --foreground
Restart=on-failure
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=20

[Install]
WantedBy=default.target
`;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-10).join('\n');
  } catch {
    return '(no log)';
  }
}

function formatUptime(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
