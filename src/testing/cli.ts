/** Test harness only: temp homes and the built binary as a child process. Production code never imports it. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/logline', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

function env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // daemons in tests do not take the default p2p port (4141): tests that federate pass --listen
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LOGLINE_LISTEN: 'off' };
  delete base.LOGLINE_HOME;
  delete base.LOGLINE_TENANT;
  delete base.LOGLINE_PASSPHRASE;
  return { ...base, ...extra };
}

/** Runs `bin/logline ARGS` and waits for it. */
/** The environment the harness runs the binary with. */
export function cliEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return env(extra);
}

export function cli(args: string[], opts: CliOptions = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { input: opts.input, env: env(opts.env), cwd: opts.cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Same, asynchronously, so that several can run at once. */
export function cliAsync(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return spawnAsync(process.execPath, [BIN, ...args], { ...opts, env: env(opts.env) });
}

/** Any program as a child process, its output collected; `env` is taken as it is. */
export function spawnAsync(command: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (opts.input !== undefined) child.stdin!.on('error', () => {}).end(opts.input);
  });
}

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix = 'logline-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A temp home initialised through the CLI. */
export function initHome(handle = 'dan', tenant = 'acme', extraEnv?: NodeJS.ProcessEnv): { home: string; cleanup: () => void; run: (args: string[], opts?: CliOptions) => CliResult } {
  const { dir, cleanup } = tempDir();
  const home = join(dir, 'home');
  const r = cli(['--home', home, 'init', '--handle', handle, '--tenant', tenant], { env: extraEnv });
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  return { home, cleanup, run: (args, opts) => cli(['--home', home, ...args], { ...opts, env: { ...extraEnv, ...opts?.env } }) };
}
