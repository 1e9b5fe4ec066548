import { existsSync, mkdirSync } from 'node:fs';
import { loadConfig, type Config, type ConfigValue } from '../config/config.js';
import { resolvePaths, type Paths } from '../config/paths.js';
import { LoglineError } from '../errors/errors.js';
import type { Signer } from '../identity/ed25519.js';
import { Keystore } from '../identity/keystore.js';
import { cryptoPool, type CryptoPool } from '../identity/crypto-pool.js';
import { otelIndex, type OtelIndex } from '../otel/otel-index.js';
import { openDb, type Db, type OpenInit } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { TenantGate } from '../tenants/gate.js';
import { Timeline } from '../timeline/timeline.js';
import { isSlug } from '../timeline/validate.js';

export interface HomeInit {
  home?: string;
  env?: NodeJS.ProcessEnv;
  /** Config values given as flags (highest precedence). */
  flags?: Record<string, ConfigValue | undefined>;
  passphrase?: string;
  /** The ed25519 workers to use instead of a pool of its own (a test passes `inlineCrypto` to stay deterministic). */
  crypto?: CryptoPool;
  /** Told when opening the store upgraded an older database (and where its copy was kept). */
  onUpgrade?: OpenInit['onUpgrade'];
}

/**
 * One node home: paths, config, keys and the store, opened lazily so that a command pays only for what it uses.
 * The in-process client and the daemon both stand on it.
 */
export class Home {
  readonly paths: Paths;
  readonly config: Config;
  readonly keystore: Keystore;
  private readonly passphrase: string | undefined;
  private readonly onUpgrade: OpenInit['onUpgrade'];
  private opened: { db: Db; repo: SpansRepo; timeline: Timeline; tenants: TenantGate; otel: OtelIndex } | undefined;
  private pool: CryptoPool | undefined;

  constructor(init: HomeInit = {}) {
    this.paths = resolvePaths({ home: init.home, env: init.env });
    this.config = loadConfig(this.paths.configFile, init.flags ?? {}, init.env ?? process.env);
    this.keystore = new Keystore(this.paths.keys);
    this.passphrase = init.passphrase;
    this.pool = init.crypto;
    this.onUpgrade = init.onUpgrade;
  }

  get initialized(): boolean {
    return existsSync(this.paths.configFile) && this.keystore.list().length > 0;
  }

  /** Fails with a hint when the home has not been set up. */
  requireInitialized(): this {
    if (!this.initialized) {
      const where = this.paths.home ?? this.paths.config;
      throw new LoglineError('HOME_NOT_INITIALIZED', `no logline home at ${where}`, {
        hint: this.paths.home ? `run \`logline --home ${this.paths.home} init\`` : 'run `logline init`',
      });
    }
    return this;
  }

  private open(): { db: Db; repo: SpansRepo; timeline: Timeline; tenants: TenantGate; otel: OtelIndex } {
    if (this.opened === undefined) {
      mkdirSync(this.paths.data, { recursive: true, mode: 0o700 });
      let upgraded = false;
      const db = openDb(this.paths.db, { onUpgrade: (u) => { upgraded = true; this.onUpgrade?.(u); } });
      const repo = new SpansRepo(db);
      const tenants = new TenantGate(repo, (did) => this.keystore.list().filter((i) => i.did === did).map((i) => i.handle));
      // projections a newer schema added are filled from the spans already there
      if (upgraded) tenants.projection.rebuildAll();
      const timeline = new Timeline(repo, () => this.crypto, tenants);
      // the otel id index is a projection of data.otel, kept as spans commit (in the writer's transaction if any)
      const otel = otelIndex(db);
      timeline.onCommit((spans) => {
        try {
          otel.record(spans);
        } catch (e) {
          // the spans are committed: a failed projection must not turn their append into an error
          process.stderr.write(`logline: otel index not updated: ${(e as Error).message}\n`);
        }
      });
      this.opened = { db, repo, tenants, timeline, otel };
    }
    return this.opened;
  }

  get db(): Db { return this.open().db; }
  get repo(): SpansRepo { return this.open().repo; }
  get timeline(): Timeline { return this.open().timeline; }
  /** Tenants, members and roles: the projection and the rules of who may write where. */
  get tenants(): TenantGate { return this.open().tenants; }
  /** OTel span id → logline span id, a projection of data.otel. */
  get otel(): OtelIndex { return this.open().otel; }

  /** Worker threads for ed25519 in big batches (bulk append, import, verify, sync), started on first use. */
  get crypto(): CryptoPool {
    this.pool ??= cryptoPool();
    return this.pool;
  }

  /** The handle of the identity that signs by default. */
  defaultIdentity(): string {
    const handle = this.config.get('identity');
    if (typeof handle === 'string') return handle;
    const node = this.keystore.list().find((i) => i.node);
    if (node) return node.handle;
    throw new LoglineError('NO_IDENTITY', 'no default identity is configured', { hint: '`logline id list`, then `logline config set identity HANDLE`' });
  }

  signer(handle = this.defaultIdentity()): Signer {
    return this.keystore.signer(handle, this.passphrase);
  }

  /** The tenant a command acts on: the explicit one, else the configured default. */
  tenant(explicit?: string): string {
    const tenant = explicit ?? this.config.get('tenant');
    if (typeof tenant !== 'string') throw LoglineError.usage('NO_TENANT', 'no tenant given and no default tenant configured', 'pass --tenant SLUG or `logline config set tenant SLUG`');
    if (!isSlug(tenant)) throw LoglineError.usage('BAD_TENANT', `"${tenant}" is not a tenant slug`, 'a slug is lower-case letters and digits separated by single dashes, e.g. acme-labs');
    return tenant;
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
    this.opened?.db.close();
    this.opened = undefined;
  }
}
