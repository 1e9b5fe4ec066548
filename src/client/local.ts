import type { AppendRequest, MemberInfo, Page, QueryFilters, TenantInfo, VerifyReport } from '../api/types.js';
import type { Home } from '../node/home.js';
import { EXIT, LoglineError } from '../errors/errors.js';
import { emptyStats, type PeerInfo } from '../federation/peer-info.js';
import type { JoinResult } from '../federation/protocols/join/join.js';
import { loadTrust } from '../federation/trust.js';
import { unknownTenant } from '../tenants/gate.js';
import { openDb } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { findSpanRow, iterateRows, queryTimeline, rowSpan } from '../timeline/query.js';
import type { Span } from '../timeline/span.js';
import { verifyStored } from '../timeline/verify.js';
import { wireText } from '../timeline/wire.js';
import { VERSION } from '../version.js';
import { localEvents } from './local-events.js';
import type { IngestItem, LoglineClient, NodeStatus } from './types.js';

/** From this many drafts on, an append signs in worker threads. */
const BULK = 64;

/** The node core hosted in this process for one command: the same code the daemon runs. */
export function localClient(home: Home): LoglineClient {
  return {
    kind: 'local',

    async append(request: AppendRequest): Promise<Span[]> {
      const signer = home.signer(request.identity);
      await home.tenants.prepareRules(request.drafts.map((d) => d?.tenant).filter((t): t is string => typeof t === 'string'));
      // a draft under an OTel trace (data.otel) whose parent is a known logline span becomes its child
      const drafts = home.otel.linkParents(request.drafts);
      // a few spans are signed inline, committed with the other small appends of this moment; a batch goes
      // through the worker pool
      return drafts.length < BULK ? home.timeline.appendSoon(drafts, signer) : home.timeline.appendAsync(drafts, signer);
    },

    async get(ref: string): Promise<Span> {
      const row = findSpanRow(home.repo, ref);
      return rowSpan(row);
    },

    async query(filters: QueryFilters): Promise<Page> {
      return queryTimeline(home.repo, filters);
    },

    async ingest(spans: unknown[]): Promise<IngestItem[]> {
      return (await home.timeline.ingestAsync(spans)).map((r) =>
        r.outcome === 'rejected' ? { outcome: 'rejected', code: r.error.code, message: r.error.message } : { outcome: r.outcome, id: r.span.id });
    },

    async *exportLines(filters: QueryFilters): AsyncIterable<string> {
      // A read connection of its own: the consumer may wait (a slow reader) with the statement open, and on the
      // shared connection that would refuse every other query meanwhile (the daemon's event tail among them).
      const db = openDb(home.paths.db, { readonly: true });
      try {
        for (const row of iterateRows(new SpansRepo(db), filters)) yield wireText(row.body, row.id.toString('hex'), row.sig.toString('hex'));
      } finally {
        db.close();
      }
    },

    async verify(scope, onProgress): Promise<VerifyReport> {
      const ids = scope.ids?.map((ref) => findSpanRow(home.repo, ref).id);
      return verifyStored(home.repo, { tenant: scope.tenant, ids, onProgress, crypto: home.crypto, recheck: (s) => home.tenants.recheck(s) });
    },

    async status(): Promise<NodeStatus> {
      const tenants = home.db.prepare('SELECT tenant, count(*) AS spans FROM spans GROUP BY tenant ORDER BY tenant').all() as NodeStatus['tenants'];
      return { version: VERSION, spans: tenants.reduce((n, t) => n + t.spans, 0), tenants, home: home.paths.home ?? home.paths.data };
    },

    async tenants(): Promise<TenantInfo[]> {
      const count = home.db.prepare('SELECT count(*) FROM spans WHERE tenant = ?').pluck();
      return home.tenants.projection.list().map((t) => ({
        ...t, members: home.tenants.projection.members(t.slug).length, spans: count.get(t.slug) as number,
      }));
    },

    async members(tenant: string): Promise<MemberInfo[]> {
      if (!home.tenants.projection.get(tenant)) throw unknownTenant(tenant);
      return home.tenants.projection.members(tenant);
    },

    async peers(): Promise<PeerInfo[]> {
      // without the daemon nothing is connected: the trust table alone
      const local = new Set(home.keystore.list().map((i) => i.did));
      return [...loadTrust(home.repo, local).values()].sort((a, b) => (a.peer < b.peer ? -1 : 1)).map((t) => ({
        peer: t.peer, did: t.did, addrs: t.addrs, tenants: Object.fromEntries(t.tenants), connected: false, shared: [], stats: emptyStats(),
      }));
    },

    async join(request): Promise<JoinResult> {
      // no daemon: a libp2p node of this process joins and syncs, then stops (libp2p loads only here)
      const { Federation } = await import('../federation/federation.js');
      const federation = new Federation({ home, listen: [], app: `logline/${VERSION}` });
      await federation.start();
      try {
        return await federation.join(request.token, request.identity);
      } finally {
        await federation.stop();
      }
    },

    async sync(): Promise<PeerInfo[]> {
      throw new LoglineError('DAEMON_NOT_RUNNING', 'syncing needs the node daemon', { hint: '`logline node start`', exitCode: EXIT.DAEMON_UNREACHABLE });
    },

    subscribe(filters, signal) {
      return localEvents(home, filters, signal);
    },

    async close(): Promise<void> {
      await home.close();
    },
  };
}
