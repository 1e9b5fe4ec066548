import type { Statement } from 'better-sqlite3';
import type { Engine } from '../engine/engine.js';
import type { PriorityName } from '../engine/task.js';
import { nodeHandle } from '../federation/federation.js';
import type { Home } from '../node/home.js';
import { evaluate } from '../rules/evaluate.js';
import type { Json, Reaction } from '../rules/types.js';
import type { PluginSet } from '../plugins/registry.js';
import { runPluginAction } from '../plugins/rule-actions.js';
import type { Span, SpanDraft } from '../timeline/span.js';

const BATCH = 256;
/**
 * How long the cursor may stay ahead of its stored copy when nothing fired. Keeping it in memory spares every
 * commit a second write; after a crash the spans since the stored copy are run again, and fire nothing twice.
 */
const SAVE_MS = 1000;
/** How long a plugin's rule action may run. */
const PLUGIN_ACTION_MS = 30_000;

export interface ReactionsInit {
  home: Home;
  /** The task engine, for `task` and `webhook` actions (absent: they are recorded as failed). */
  engine: () => Engine | undefined;
  /** The loaded plugins, for `plugin` actions. */
  plugins: () => PluginSet | undefined;
  log: (line: string) => void;
  onFired?: (tenant: string, action: string, ok: boolean) => void;
}

/**
 * The reaction phase of the rules (SPEC §6): the daemon runs each tenant's reaction rules over every committed
 * span, local or replicated, in local row order from a durable cursor — spans committed while it was down are
 * run when it starts. Each (span, rule version) fires once: the fired row and what it did (an emitted span, a
 * queued task) commit together. Reactions never change a span; they emit new ones (`caused_by` the trigger,
 * `metadata.reaction` naming the rule) or queue tasks. System spans and emitted spans trigger nothing, so that
 * reactions cannot feed themselves. On its first start the cursor begins at the end: history is not re-run.
 */
export class Reactions {
  private readonly init: ReactionsInit;
  private running = false;
  private again = false;
  private unsubscribe: (() => void) | undefined;
  private readonly sql: { cursor: Statement; setCursor: Statement; page: Statement; row: Statement; fire: Statement; outcome: Statement };
  /** The rid of the last span run; `saved` is the one in reaction_cursor. */
  private cursor = 0;
  private saved = 0;
  private saveTimer: NodeJS.Timeout | undefined;
  private done: Promise<void> = Promise.resolve();
  /** Plugin actions of fired reactions: asynchronous, so run after their fired row commits (at most once). */
  private pluginRuns: { span: Span; reaction: Reaction }[] = [];

  constructor(init: ReactionsInit) {
    this.init = init;
    const db = init.home.db;
    this.sql = {
      cursor: db.prepare('SELECT rid FROM reaction_cursor WHERE id = 1').pluck(),
      setCursor: db.prepare('INSERT INTO reaction_cursor (id, rid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET rid = excluded.rid'),
      page: db.prepare("SELECT rid, tenant FROM spans WHERE rid > ? AND kind != 'system' ORDER BY rid LIMIT ?"),
      row: db.prepare('SELECT id, sig, body FROM spans WHERE rid = ?'),
      fire: db.prepare('INSERT OR IGNORE INTO reactions_fired (span, rule, version, action, fired_at, outcome) VALUES (?, ?, ?, ?, ?, ?)'),
      outcome: db.prepare('UPDATE reactions_fired SET outcome = ? WHERE span = ? AND rule = ? AND version = ?'),
    };
  }

  start(): void {
    const stored = this.sql.cursor.get() as number | undefined;
    this.cursor = this.saved = stored ?? (this.init.home.db.prepare('SELECT coalesce(max(rid), 0) FROM spans').pluck().get() as number);
    if (stored === undefined) this.sql.setCursor.run(this.cursor);
    this.unsubscribe = this.init.home.timeline.onCommit(() => this.kick());
    this.kick();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.done;
    this.save();
  }

  /** Stores the cursor now: after a reaction fired, at a stop, or SAVE_MS after a page that fired nothing. */
  private save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.cursor === this.saved || !this.init.home.db.open) return;
    this.sql.setCursor.run(this.cursor);
    this.saved = this.cursor;
  }

  /** Runs the rules over what committed since the cursor (once more if spans commit meanwhile). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.done = (async () => {
      try {
        do {
          this.again = false;
          while (await this.page()) { /* next page */ }
        } while (this.again);
      } catch (e) {
        this.init.log(`reactions stopped at an error, retried on the next commit: ${(e as Error).message}`);
      } finally {
        this.running = false;
      }
    })();
  }

  private async page(): Promise<boolean> {
    const { home } = this.init;
    const rows = this.sql.page.all(this.cursor, BATCH) as { rid: number; tenant: string }[];
    if (rows.length === 0) return false;
    await home.tenants.prepareRules(rows.map((r) => r.tenant));
    let fired = false;
    for (const { rid, tenant } of rows) {
      // a tenant without rules costs no read of its spans
      const set = home.tenants.ruleSet(tenant);
      if (!set) continue;
      const row = this.sql.row.get(rid) as { id: Buffer; sig: Buffer; body: string };
      const span = { ...(JSON.parse(row.body) as Omit<Span, 'id' | 'sig'>), id: row.id.toString('hex'), sig: row.sig.toString('hex') } as Span;
      if ((span.metadata as { reaction?: unknown } | undefined)?.reaction !== undefined) continue;
      for (const reaction of evaluate(set, span as unknown as Record<string, unknown>, 'reaction').outcome.reactions) {
        this.fire(span, reaction);
        fired = true;
      }
    }
    this.cursor = rows[rows.length - 1].rid;
    if (fired) this.save();
    else this.saveTimer ??= setTimeout(() => this.save(), SAVE_MS).unref();
    for (const { span, reaction } of this.pluginRuns.splice(0)) await this.runPlugin(span, reaction);
    return rows.length === BATCH;
  }

  /** Fires one reaction, once: the fired row and its effect commit together; a failure is recorded, not retried. */
  private fire(span: Span, r: Reaction): void {
    const { home } = this.init;
    const key = [Buffer.from(span.id, 'hex'), r.rule, r.version] as const;
    let ok = true;
    try {
      home.db.transaction(() => {
        if (this.sql.fire.run(...key, r.action.type, Date.now(), 'ok').changes === 0) {
          ok = false; // fired before
          throw new AlreadyFired();
        }
        this.perform(span, r);
      })();
    } catch (e) {
      if (e instanceof AlreadyFired) return;
      ok = false;
      const message = (e as Error).message;
      this.sql.fire.run(...key, r.action.type, Date.now(), `failed: ${message}`);
      this.init.log(`reaction ${r.rule} (${r.action.type}) on ${span.id.slice(0, 12)} failed: ${message}`);
    }
    this.init.onFired?.(span.tenant, r.action.type, ok);
  }

  private perform(span: Span, r: Reaction): void {
    const { home } = this.init;
    const a = r.action;
    if (a.type === 'plugin') {
      if (!this.init.plugins()?.ruleActions.has(a.action)) throw new Error(`no loaded plugin registers the rule action "${a.action}"`);
      this.pluginRuns.push({ span, reaction: r });
      return;
    }
    const trigger = { tenant: span.tenant, causedBy: span.id, rule: r.rule };
    if (a.type === 'emit') {
      const { type: _type, metadata, ...fields } = a as { type: string; metadata?: Record<string, unknown> } & Record<string, unknown>;
      const draft = { ...fields, tenant: span.tenant, caused_by: span.id, metadata: { ...metadata, reaction: { rule: r.rule, version: r.version } } } as unknown as SpanDraft & { tenant: string };
      home.timeline.append([draft], home.signer(nodeHandle(home)));
      return;
    }
    const engine = this.init.engine();
    if (!engine) throw new Error('the task engine is not running');
    if (a.type === 'task') {
      engine.enqueue({ ...trigger, type: a.task, payload: a.payload, priority: a.priority as PriorityName });
    } else {
      const { url, body, headers, method, timeout_ms: timeout } = a as { url: string; body?: unknown; headers?: Record<string, string>; method?: string; timeout_ms?: number };
      const payload = { url, body: body ?? { rule: r.rule, span }, ...(headers ? { headers } : {}), ...(method ? { method } : {}) };
      engine.enqueue({ ...trigger, type: 'webhook', payload, ...(timeout === undefined ? {} : { timeoutMs: timeout }) });
    }
  }

  private async runPlugin(span: Span, r: Reaction): Promise<void> {
    const a = r.action as { type: 'plugin'; action: string; params: { [key: string]: Json } };
    try {
      await runPluginAction(this.init.plugins()!, a, { tenant: span.tenant, span, rule: r.rule, signal: AbortSignal.timeout(PLUGIN_ACTION_MS) });
    } catch (e) {
      const message = (e as Error).message;
      this.sql.outcome.run(`failed: ${message}`, Buffer.from(span.id, 'hex'), r.rule, r.version);
      this.init.log(`reaction ${r.rule} (plugin ${a.action}) on ${span.id.slice(0, 12)} failed: ${message}`);
      this.init.onFired?.(span.tenant, 'plugin', false);
    }
  }
}

class AlreadyFired extends Error {}
