import { Option, type Command } from 'commander';
import { EXIT, LoglineError } from '../../errors/errors.js';
import { createInvite } from '../../tenants/admit.js';
import { ROLES, type Role } from '../../tenants/roles.js';
import { contextOf } from '../context.js';
import { parseAge } from '../parse.js';

export default function register(program: Command): void {
  const invite = program.command('invite').description('invitations: one signed token lets another machine join a tenant');

  invite.command('create')
    .description('print a signed, expiring, single-use token that admits one node to the tenant')
    .addOption(new Option('--role <role>', 'the role the joining identity gets').choices(ROLES).default('member'))
    .option('--ttl <age>', 'the token expires after this long (30m, 12h, 7d…)', '24h')
    .option('--as <handle>', 'the inviter, who signs the token and admits the joiner of the node (default: the configured one, `logline id use`)')
    .addHelpText('after', `
The token carries the tenant, the role, and this node's peer id and addresses: the node daemon must be running
and listening for peers (\`logline node start\`). On the other machine:
  logline join <token>

Example:
  logline invite create --tenant acme --role member --ttl 24h`)
    .action(async (opts: { role: Role; ttl: string; as?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const ttlMs = parseAge(opts.ttl, '--ttl');
      const tenant = ctx.tenant();
      const client = await ctx.client();
      const status = client.kind === 'daemon' ? await client.status() as { peerId?: string; addresses?: string[] } : {};
      if (!status.peerId || !status.addresses?.length) {
        throw new LoglineError('INVITE_NEEDS_NODE', 'an invitation carries the addresses of a running node, and none listens for peers here', {
          hint: '`logline node start` (with peer-to-peer on: --listen, or the listen config key), then invite again', exitCode: EXIT.DAEMON_UNREACHABLE,
        });
      }
      const info = createInvite(ctx.home(), { tenant, role: opts.role, ttlMs, handle: ctx.identity(opts.as), peer: status.peerId, addrs: status.addresses });
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(info.token);
      ctx.out.info(`admits one node to ${info.tenant} as ${info.role} until ${info.expires}. On the other machine: logline join <token>`);
    });
}
