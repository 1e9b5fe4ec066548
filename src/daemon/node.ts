import { localClient } from '../client/local.js';
import type { LoglineClient, NodeStatus } from '../client/types.js';
import type { Home } from '../node/home.js';
import type { Span } from '../timeline/span.js';
import { VERSION } from '../version.js';
import { EventHub } from './events.js';
import { Metrics } from './metrics.js';
import type { Auth } from './router.js';
import type { Federation } from '../federation/federation.js';
import type { PeerInfo } from '../federation/peer-info.js';
import { MAX_BODY_BYTES } from '../api/routes.js';
import { Engine, type EngineStats } from '../engine/engine.js';
import { idleCollector } from './idle-gc.js';
import { Reactions } from './reactions.js';
import type { PluginReport, PluginSet } from '../plugins/registry.js';

export type NodeState = 'starting' | 'ready' | 'stopping';

export interface DaemonStatus extends NodeStatus {
  pid: number;
  state: NodeState;
  uptimeSeconds: number;
  identity: { handle: string; did: string; peerId: string };
  api: { socket: string; http: string | null };
  /** The libp2p peer id (the node key's second encoding) and full listen multiaddrs; empty when p2p is off. */
  peerId: string;
  addresses: string[];
  /** The task engine: slots, running and queued tasks, schedules. */
  tasks: EngineStats | null;
  /** The plugins loaded, what each registered, and those skipped with why. */
  plugins: PluginReport | null;
}

export interface DaemonNodeInit {
  home: Home;
  socket: string;
  /** Per-token request body limit in bytes (the socket gets MAX_BODY_BYTES). */
  tokenBodyLimit?: number;
}

/** What the routes need from the running node: the core client, live events, metrics and facts. */
export class DaemonNode {
  state: NodeState = 'starting';
  readonly home: Home;
  readonly client: LoglineClient;
  readonly metrics = new Metrics();
  readonly startedAt = Date.now();
  readonly version = VERSION;
  httpAddress: string | null = null;
  /** The libp2p side, when the daemon listens for peers (loaded lazily: it costs ~600 ms to import). */
  federation: Federation | undefined;
  private readonly socket: string;
  private readonly tokenBodyLimit: number;
  private hubInstance: EventHub | undefined;
  /** Collects the heap once after a burst of work, when the daemon has gone quiet. */
  private readonly idle = idleCollector();
  /** The task engine, started once the rest of the node is up. */
  engine: Engine | undefined;
  /** The reaction phase of the tenants' rules, started with the engine. */
  reactions: Reactions | undefined;
  /** The loaded plugins (set once they have loaded, before the engine starts). */
  plugins: PluginSet | undefined;

  constructor(init: DaemonNodeInit) {
    this.home = init.home;
    this.socket = init.socket;
    this.tokenBodyLimit = init.tokenBodyLimit ?? 1024 * 1024;
    this.client = localClient(init.home);
    this.metrics.gauge('logline_event_subscribers', 'Open live event streams', () => this.hubInstance?.size ?? 0);
    this.metrics.gauge('logline_tasks_running', 'Tasks running now', () => this.engine?.stats().running ?? 0);
    this.metrics.gauge('logline_tasks_queued', 'Tasks queued (due now or later)', () => this.engine?.stats().queued ?? 0);
  }

  /** Starts the task engine (after federation, so that `sync` tasks find it). */
  startEngine(log?: (line: string) => void): void {
    const federation = this.federation;
    const engine = new Engine({
      home: this.home, log,
      concurrency: this.home.config.get('task_concurrency') as number,
      sync: federation && (async () => {
        await federation.syncRound();
        return { peers: federation.peers().filter((p) => p.connected).length };
      }),
      onFinished: (task, outcome, seconds) => {
        this.metrics.inc('logline_tasks_finished_total', 'Task runs by tenant, type and outcome', { tenant: task.tenant, type: task.type, outcome });
        this.metrics.observe('logline_task_seconds', 'Duration of task runs', seconds, { tenant: task.tenant });
      },
    });
    engine.start();
    this.engine = engine;
    this.reactions = new Reactions({
      home: this.home, engine: () => this.engine, plugins: () => this.plugins, log: log ?? (() => {}),
      onFired: (tenant, action, ok) => this.metrics.inc('logline_reactions_total', 'Reaction rules fired, by tenant, action and outcome', { tenant, action, outcome: ok ? 'ok' : 'failed' }),
    });
    this.reactions.start();
  }

  get did(): string {
    return this.home.keystore.get(this.home.defaultIdentity()).did;
  }

  /** Opens the store and starts the event tail (the daemon says `ready` once everything has started). */
  open(): void {
    const hub = new EventHub(this.home.repo);
    this.home.timeline.onCommit((spans, from) => {
      if (from !== null) for (const s of spans) this.metrics.inc('logline_spans_replicated_total', 'Spans received from peers', { tenant: s.tenant });
      hub.schedule();
      this.idle.touch();
    });
    hub.start();
    this.hubInstance = hub;
  }

  /** A request was served: the daemon is not quiet. */
  served(): void {
    this.idle.touch();
  }

  get hub(): EventHub {
    if (!this.hubInstance) throw new Error('the node is not open');
    return this.hubInstance;
  }

  maxBody(auth: Auth): number {
    return auth.kind === 'token' ? this.tokenBodyLimit : MAX_BODY_BYTES;
  }

  appended(spans: readonly Span[], seconds: number): void {
    for (const s of spans) this.metrics.inc('logline_spans_appended_total', 'Spans signed and appended by this node', { tenant: s.tenant });
    this.metrics.observe('logline_append_seconds', 'Latency of append requests', seconds);
  }

  async status(): Promise<DaemonStatus> {
    const base = await this.client.status();
    const id = this.home.keystore.get(this.home.defaultIdentity());
    return {
      ...base,
      pid: process.pid,
      state: this.state,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      identity: { handle: id.handle, did: id.did, peerId: id.peerId },
      api: { socket: this.socket, http: this.httpAddress },
      peerId: this.federation?.peerId ?? '',
      addresses: this.federation?.addresses() ?? [],
      tasks: this.engine?.stats() ?? null,
      plugins: this.plugins?.report() ?? null,
    };
  }

  /** Peers with live connection state and counters (the trust table alone when p2p is off). */
  async peers(): Promise<PeerInfo[]> {
    return this.federation ? this.federation.peers() : this.client.peers();
  }

  async close(): Promise<void> {
    this.state = 'stopping';
    this.idle.stop();
    await this.reactions?.stop();
    await this.engine?.stop();
    await this.federation?.stop();
    this.hubInstance?.stop();
    await this.client.close();
  }
}
