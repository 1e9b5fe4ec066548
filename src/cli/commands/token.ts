import { Option, type Command } from 'commander';
import { Tokens, type TokenInfo } from '../../daemon/tokens.js';
import { LoglineError } from '../../errors/errors.js';
import { canWrite } from '../../tenants/roles.js';
import { contextOf } from '../context.js';
import { parseAge } from '../parse.js';

export default function register(program: Command): void {
  const token = program.command('token').description('bearer tokens for the daemon\'s HTTP listener, one tenant and role each');

  token.command('create')
    .description('create a token and print it once (only its hash is kept)')
    .addOption(new Option('--role <role>', 'reader (read only) or writer').choices(['reader', 'writer']).makeOptionMandatory())
    .option('--ttl <age>', 'expire after this long (e.g. 12h, 30d, 8w); default never')
    .option('--as <handle>', 'the identity the token acts as of the node (default: the configured one, `logline id use`)')
    .addHelpText('after', `
The token acts as the identity that creates it (--as, or the configured one): what it writes is signed by that identity, and it
never does more than that identity may do in the tenant now (a writer token needs a writing role; a removed
identity's tokens are refused).

Example:
  logline token create --tenant acme --role writer --ttl 30d --as ana`)
    .action(async (opts: { role: 'reader' | 'writer'; ttl?: string; as?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      // a token never exceeds its creator's role: writing takes a writing role, reading any membership. It acts as
      // its creator: what it writes is signed by that identity, and it loses what the identity's role loses
      const identity = ctx.identity(opts.as);
      const did = ctx.home().keystore.get(identity).did;
      const role = (await (await ctx.client()).members(tenant)).find((m) => m.did === did)?.role;
      if (opts.role === 'writer' ? !canWrite(role) : role === undefined) {
        throw new LoglineError(role === undefined ? 'NOT_A_MEMBER' : 'ROLE_FORBIDDEN', `a ${role ?? 'non-member'} of ${tenant} cannot create a ${opts.role} token`, {
          hint: role === undefined ? 'an owner or admin adds you first: `logline member add`' : 'create a reader token, or ask for a writing role',
        });
      }
      const ttl = opts.ttl === undefined ? null : parseAge(opts.ttl, '--ttl');
      const { token: secret, info } = new Tokens(ctx.home().db).create(tenant, opts.role, ttl, identity);
      if (ctx.out.json) return ctx.out.data({ token: secret, ...info });
      ctx.out.line(secret);
      ctx.out.info(`token ${info.id}: ${info.role} of ${info.tenant} as ${info.identity}${info.expires_at ? `, expires ${info.expires_at}` : ''}. It is shown only now.`);
    });

  token.command('list')
    .description('list tokens (never their secrets)')
    .action((_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const list = new Tokens(ctx.home().db).list();
      if (ctx.out.json) return ctx.out.data(list);
      for (const t of list) ctx.out.line(`${t.id}  ${t.role.padEnd(6)}  ${t.tenant.padEnd(16)} ${(t.identity ?? '(default)').padEnd(16)} ${state(t)}`);
      if (list.length === 0) ctx.out.info('no tokens');
    });

  token.command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token id shown by `token list`')
    .action((id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const info = new Tokens(ctx.home().db).revoke(id);
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(`revoked ${info.id}`);
    });
}

function state(t: TokenInfo): string {
  if (t.revoked_at) return `revoked ${t.revoked_at}`;
  if (t.expires_at && t.expires_at <= new Date().toISOString()) return `expired ${t.expires_at}`;
  return t.expires_at ? `expires ${t.expires_at}` : 'no expiry';
}

