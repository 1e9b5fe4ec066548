import { Argument, Option, type Command } from 'commander';
import { LoglineError } from '../../errors/errors.js';
import { publicKeyFromDid } from '../../identity/did-key.js';
import { memberAdded, memberRemoved, roleChanged } from '../../tenants/events.js';
import { ROLES, type Role } from '../../tenants/roles.js';
import type { Draft } from '../../timeline/build.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';

const WHO = new Argument('<who>', 'a did:key, a handle of this node (`logline id list`), or a member\'s handle');

export default function register(program: Command): void {
  const member = program.command('member').description('members of a tenant and their roles: owner, admin, member (writes), viewer (reads)');

  member.command('add')
    .description('add a member to the tenant (a member.added span; owners and admins only)')
    .addArgument(WHO)
    .addOption(new Option('--role <role>', 'the role to give').choices(ROLES).default('member'))
    .option('--handle <handle>', 'the handle the member acts as (default: the local handle, if <who> is one)')
    .option('--as <handle>', 'act as this identity of the node (default: the configured one, `logline id use`)')
    .addHelpText('after', '\nExample:\n  logline member add did:key:z6Mk… --tenant acme --role member --handle ana')
    .action(async (who: string, opts: { role: Role; handle?: string; as?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const { did, handle } = await resolve(ctx, tenant, who);
      await change(ctx, opts.as, memberAdded(tenant, did, opts.role, opts.handle ?? handle), { tenant, did, role: opts.role }, `added ${short(did)} to ${tenant} as ${opts.role}`);
    });

  member.command('remove')
    .description('remove a member from the tenant (a member.removed span)')
    .addArgument(WHO)
    .option('--as <handle>', 'act as this identity of the node (default: the configured one, `logline id use`)')
    .action(async (who: string, opts: { as?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const { did } = await resolve(ctx, tenant, who);
      await change(ctx, opts.as, memberRemoved(tenant, did), { tenant, did, role: null }, `removed ${short(did)} from ${tenant}`);
    });

  member.command('role')
    .description('change a member\'s role (a role.changed span)')
    .addArgument(WHO)
    .addArgument(new Argument('<role>', 'the new role').choices(ROLES))
    .option('--as <handle>', 'act as this identity of the node (default: the configured one, `logline id use`)')
    .action(async (who: string, role: Role, opts: { as?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const { did } = await resolve(ctx, tenant, who);
      await change(ctx, opts.as, roleChanged(tenant, did, role), { tenant, did, role }, `${short(did)} is now ${role} of ${tenant}`);
    });

  member.command('list')
    .description('members of the tenant, owners first')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const members = await (await ctx.client()).members(ctx.tenant());
      if (ctx.out.json) return ctx.out.data(members);
      for (const m of members) ctx.out.line(`${m.role.padEnd(7)} ${m.did}${m.handle ? `  ${m.handle}` : ''}  since ${m.since}`);
    });
}

async function change(ctx: Context, as: string | undefined, draft: Draft, result: Record<string, unknown>, text: string): Promise<void> {
  const [span] = await (await ctx.client()).append({ drafts: [draft], identity: ctx.identity(as) });
  if (ctx.out.json) return ctx.out.data({ ...result, span: span.id });
  ctx.out.line(text);
}

/** A did:key as given; else a handle of this node's keystore; else the handle of a member of the tenant. */
async function resolve(ctx: Context, tenant: string, who: string): Promise<{ did: string; handle?: string }> {
  if (who.startsWith('did:key:')) {
    if (publicKeyFromDid(who) === null) throw LoglineError.usage('BAD_DID', `"${who}" is not an ed25519 did:key`);
    return { did: who };
  }
  const home = ctx.home();
  if (home.keystore.has(who)) return { did: home.keystore.get(who).did, handle: who };
  const m = (await (await ctx.client()).members(tenant)).find((x) => x.handle === who);
  if (m) return { did: m.did, handle: who };
  throw new LoglineError('MEMBER_NOT_FOUND', `"${who}" is neither a did:key, a handle of this node, nor a member's handle in ${tenant}`, {
    hint: 'pass the did:key (`logline id show` on the other node prints it)',
  });
}

function short(did: string): string {
  return `${did.slice(0, 20)}…`;
}
