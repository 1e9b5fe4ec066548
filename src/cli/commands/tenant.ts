import type { Command } from 'commander';
import type { TenantInfo } from '../../api/types.js';
import { LoglineError } from '../../errors/errors.js';
import { tenantCreated } from '../../tenants/events.js';
import { slugify } from '../../tenants/slug.js';
import { contextOf } from '../context.js';

export default function register(program: Command): void {
  const tenant = program.command('tenant').description('tenants: the timelines this node holds, each with its members');

  tenant.command('create')
    .description('create a tenant (a tenant.created span): you become its owner')
    .argument('<name>', 'its name; the slug is derived from it ("ACME Labs" → acme-labs)')
    .addHelpText('after', '\nExample:\n  logline tenant create "ACME Labs"\n  logline --tenant acme-labs log "first span"')
    .option('--as <handle>', 'the identity that founds it and owns it of the node (default: the configured one, `logline id use`)')
    .action(async (name: string, opts: { as?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const slug = slugify(name);
      const client = await ctx.client();
      const [span] = await client.append({ drafts: [tenantCreated(slug, name.trim() || slug)], identity: ctx.identity(opts.as) });
      const result = { slug, name: name.trim() || slug, genesis: span.id, owner: span.author };
      if (ctx.out.json) return ctx.out.data(result);
      ctx.out.line(`created tenant ${slug}`);
      ctx.out.info(`next: logline --tenant ${slug} log "hello", or \`logline config set tenant ${slug}\` to make it the default`);
    });

  tenant.command('list')
    .description('list the tenants this node holds: members, spans, owner')
    .action(async (_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenants = await (await ctx.client()).tenants();
      if (ctx.out.json) return ctx.out.data(tenants);
      if (tenants.length === 0) return ctx.out.info('no tenants: `logline tenant create NAME` or `logline join TOKEN`');
      const current = ctx.home().config.get('tenant');
      for (const t of tenants) {
        ctx.out.line(`${t.slug === current ? '*' : ' '} ${t.slug.padEnd(24)} ${String(t.members).padStart(4)} members ${String(t.spans).padStart(9)} spans  ${t.name}`);
      }
    });

  tenant.command('show')
    .description('a tenant: name, genesis, owner and members (default: the current tenant)')
    .argument('[slug]', 'the tenant (default: --tenant or the configured one)')
    .action(async (slug: string | undefined, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const want = slug ?? ctx.tenant();
      const client = await ctx.client();
      const info = (await client.tenants()).find((t) => t.slug === want);
      if (!info) throw new LoglineError('TENANT_UNKNOWN', `tenant ${want} does not exist on this node`, { hint: '`logline tenant list`' });
      const members = await client.members(want);
      if (ctx.out.json) return ctx.out.data({ ...info, members });
      printTenant(info, (line) => ctx.out.line(line));
      for (const m of members) ctx.out.line(`  ${m.role.padEnd(7)} ${m.did}${m.handle ? `  (${m.handle})` : ''}`);
    });
}

function printTenant(t: TenantInfo, line: (text: string) => void): void {
  line(`tenant   ${t.slug}`);
  line(`name     ${t.name}`);
  line(`created  ${t.created}`);
  line(`genesis  ${t.genesis}`);
  line(`owner    ${t.owner}`);
  line(`spans    ${t.spans}`);
  line(`members  ${t.members}`);
}
