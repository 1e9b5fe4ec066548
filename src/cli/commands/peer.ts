import { Option, type Command } from 'commander';
import { LoglineError } from '../../errors/errors.js';
import type { PeerInfo } from '../../federation/peer-info.js';
import { didFromPeerId, peerIdOfMultiaddr } from '../../federation/peer-id.js';
import { peerTrusted, peerUntrusted, type TrustLevel } from '../../federation/trust.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';

const TRUST = new Option('--trust <level>', 'full (replicate both ways) or read (they may read from us)').choices(['full', 'read']).default('full');

export default function register(program: Command): void {
  const peer = program.command('peer').description('peers this node replicates tenants with, and how far it trusts them');

  peer.command('add')
    .description('trust the peer at a multiaddr for the tenant (a peer.trusted span) and connect to it')
    .argument('<multiaddr>', 'the peer\'s address, ending in /p2p/<peer id> (see its `logline node status`)')
    .addOption(TRUST)
    .addHelpText('after', '\nExample:\n  logline peer add /ip4/192.0.2.7/tcp/4141/p2p/12D3KooW… --tenant acme')
    .action(async (addr: string, opts: { trust: TrustLevel }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const peerId = peerIdOfMultiaddr(addr);
      if (!peerId || !addr.startsWith('/')) throw LoglineError.usage('BAD_MULTIADDR', `"${addr}" is not a multiaddr ending in /p2p/<peer id>`, 'e.g. /ip4/192.0.2.7/tcp/4141/p2p/12D3KooW…');
      await trust(ctx, peerId, opts.trust, [addr]);
    });

  peer.command('trust')
    .description('trust a known peer for the tenant (a peer.trusted span)')
    .argument('<peer>', 'peer id (12D3KooW…)')
    .addOption(TRUST)
    .action(async (peerId: string, opts: { trust: TrustLevel }, cmd: Command) => {
      await trust(contextOf(cmd), peerId, opts.trust, []);
    });

  peer.command('untrust')
    .description('stop replicating the tenant with a peer (a peer.untrusted span)')
    .argument('<peer>', 'peer id (12D3KooW…)')
    .action(async (peerId: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      await untrust(ctx, peerId, [ctx.tenant()]);
    });

  peer.command('remove')
    .description('untrust a peer in every tenant it is trusted for')
    .argument('<peer>', 'peer id (12D3KooW…)')
    .action(async (peerId: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const known = (await (await ctx.client()).peers()).find((p) => p.peer === peerId);
      if (!known || Object.keys(known.tenants).length === 0) throw new LoglineError('PEER_NOT_FOUND', `no trusted peer ${peerId}`, { hint: '`logline peer list`' });
      await untrust(ctx, peerId, Object.keys(known.tenants));
    });

  peer.command('list')
    .description('peers: trust per tenant, connected, last sync, spans sent/received/rejected, forks')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const peers = await (await ctx.client()).peers();
      if (ctx.out.json) return ctx.out.data(peers);
      if (peers.length === 0) return ctx.out.info('no peers: `logline peer add <multiaddr> --tenant T`');
      for (const p of peers) ctx.out.line(peerLine(p, ctx));
    });
}

async function trust(ctx: Context, peerId: string, level: TrustLevel, addrs: string[]): Promise<void> {
  const did = didFromPeerId(peerId);
  if (!did) throw LoglineError.usage('BAD_PEER_ID', `"${peerId}" is not an ed25519 peer id (12D3KooW…)`);
  const tenant = ctx.tenant();
  const [span] = await (await ctx.client()).append({ drafts: [peerTrusted(tenant, peerId, did, level, addrs)], identity: ctx.identity() });
  if (ctx.out.json) return ctx.out.data({ peer: peerId, did, tenant, trust: level, addrs, span: span.id });
  ctx.out.line(`trusted ${peerId} for ${tenant} (${level})`);
}

async function untrust(ctx: Context, peerId: string, tenants: string[]): Promise<void> {
  const did = didFromPeerId(peerId);
  if (!did) throw LoglineError.usage('BAD_PEER_ID', `"${peerId}" is not an ed25519 peer id (12D3KooW…)`);
  const spans = await (await ctx.client()).append({ drafts: tenants.map((t) => peerUntrusted(t, peerId, did)), identity: ctx.identity() });
  if (ctx.out.json) return ctx.out.data({ peer: peerId, tenants, spans: spans.map((s) => s.id) });
  ctx.out.line(`untrusted ${peerId} for ${tenants.join(', ')}`);
}

export function peerLine(p: PeerInfo, ctx: Context): string {
  const tenants = Object.entries(p.tenants).map(([t, l]) => `${t}:${l}`).join(',') || '-';
  const rejected = Object.entries(p.stats.rejected).map(([code, n]) => `${code}=${n}`).join(',') || '0';
  const need = Object.values(p.stats.need).reduce((a, b) => a + b, 0);
  const state = p.connected ? ctx.out.paint('32', 'connected') : ctx.out.paint('90', 'offline  ');
  return `${p.peer}  ${state}  ${tenants}  need ${need}  sent ${p.stats.sent}  received ${p.stats.received}  rejected ${rejected}  forks ${p.stats.forks}  last sync ${p.stats.lastSync ?? 'never'}`;
}
