import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { preferDaemon } from '../client/connect.js';
import { localClient } from '../client/local.js';
import type { LoglineClient } from '../client/types.js';
import { LoglineError } from '../errors/errors.js';
import { Home } from '../node/home.js';
import { VERSION } from '../version.js';
import { Output } from './output.js';

export interface Globals {
  home?: string;
  tenant?: string;
  json: boolean;
  quiet: boolean;
  color: boolean;
  passphraseFile?: string;
}

/** What an action needs: the global flags, the writer, and lazily the home and a client. */
export class Context {
  readonly globals: Globals;
  readonly out: Output;
  private openedHome: Home | undefined;
  private openedClient: LoglineClient | undefined;

  constructor(cmd: Command) {
    const o = cmd.optsWithGlobals() as Record<string, unknown>;
    this.globals = {
      home: o.home as string | undefined,
      tenant: o.tenant as string | undefined,
      json: o.json === true,
      quiet: o.quiet === true,
      color: o.color !== false && !process.env.NO_COLOR && process.stdout.isTTY === true,
      passphraseFile: o.passphraseFile as string | undefined,
    };
    this.out = new Output({ json: this.globals.json, quiet: this.globals.quiet, color: this.globals.color });
  }

  /** The home, without requiring it to be initialised (for `init`, `paths`). */
  rawHome(): Home {
    // --tenant is the flag twin of the config key tenant (flag > env > file > default)
    this.openedHome ??= new Home({
      home: this.globals.home,
      passphrase: this.passphrase(),
      flags: { tenant: this.globals.tenant },
      onUpgrade: (u) => this.out.info(`upgraded the database from schema ${u.from} to ${u.to}${u.backup ? `; the database as it was is kept at ${u.backup}` : ''}`),
    });
    return this.openedHome;
  }

  home(): Home {
    return this.rawHome().requireInitialized();
  }

  /** The tenant of this command: `--tenant`, else the configured default. */
  tenant(): string {
    return this.home().tenant(this.globals.tenant);
  }

  /**
   * The handle that signs this command's spans: `--as`, else this home's configured identity — sent with every
   * append, so that the daemon signs as the identity the config names now (`logline id use`), not at its start.
   */
  identity(explicit?: string): string {
    return explicit ?? this.home().defaultIdentity();
  }

  /** Through the daemon when one runs on this home (and `daemon` is not off), else in-process. */
  async client(): Promise<LoglineClient> {
    if (!this.openedClient) {
      const home = this.home();
      const local = () => localClient(home);
      this.openedClient = home.config.get('daemon') === false ? local()
        : preferDaemon(home.paths.socket, local, (v) => this.out.warn(`the daemon runs logline ${v}, this command is ${VERSION}; restart it with \`logline node restart\``));
    }
    return this.openedClient;
  }

  passphrase(): string | undefined {
    const file = this.globals.passphraseFile;
    if (file !== undefined) {
      try {
        return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        throw LoglineError.usage('BAD_PASSPHRASE_FILE', `cannot read the passphrase file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    return process.env.LOGLINE_PASSPHRASE || undefined;
  }

  async close(): Promise<void> {
    await this.openedClient?.close();
    await this.openedHome?.close();
  }
}

const contexts = new WeakMap<Command, Context>();

/** The context of the running command (one per invocation). */
export function contextOf(cmd: Command): Context {
  let ctx = contexts.get(cmd);
  if (!ctx) {
    ctx = new Context(cmd);
    contexts.set(cmd, ctx);
    active.add(ctx);
  }
  return ctx;
}

export const active = new Set<Context>();
