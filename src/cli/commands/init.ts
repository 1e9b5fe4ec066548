import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { writeConfigFile } from '../../config/config.js';
import { LoglineError } from '../../errors/errors.js';
import { isHandle } from '../../identity/keystore.js';
import { tenantCreated } from '../../tenants/events.js';
import { slugify } from '../../tenants/slug.js';
import type * as InitView from '../../ui/init.js';
import { contextOf } from '../context.js';
import { canDrawView, loadView } from '../views.js';
import { joinWith } from './join.js';

export default function register(program: Command): void {
  program
    .command('init')
    .description('prepare a node home: a node key, a default identity, config and a first tenant')
    .option('--handle <name>', 'handle of the first identity (default: your user name)')
    .option('--join <token>', 'join a tenant with an invitation token instead of creating one')
    .addHelpText('after', `
On a terminal, without --handle, --tenant or --join, a short wizard asks for these. Otherwise the flags decide:
the first tenant comes from the global --tenant (a name is slugified: "ACME Labs" → acme-labs), default
"personal", or --join TOKEN joins an existing tenant instead. With LOGLINE_PASSPHRASE or --passphrase-file the key
file is encrypted.

Examples:
  logline --home ./node-a init --handle dan --tenant acme
  logline --home ./node-b init --handle ana --join llinv1.eyJ2Ijox…`)
    .action(async (opts: { handle?: string; join?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.rawHome();
      if (home.initialized) {
        throw new LoglineError('HOME_EXISTS', `a logline home already exists at ${home.paths.home ?? home.paths.config}`, {
          hint: '`logline id show` shows its identity; use --home DIR for another home',
        });
      }
      let handle = opts.handle ?? (slugify(userInfo().username).slice(0, 64) || 'me');
      let name = ctx.globals.tenant ?? 'personal';
      let token = opts.join;
      if (opts.handle === undefined && ctx.globals.tenant === undefined && token === undefined && process.stdin.isTTY && canDrawView(ctx.out.json)) {
        const answers = await (await loadView<typeof InitView>('init')).runInitWizard({ handle, tenant: name });
        if (!answers) throw new LoglineError('CANCELLED', 'init was cancelled; nothing was written');
        handle = answers.handle;
        if (answers.mode === 'join') token = answers.token;
        else name = answers.tenant;
      }
      if (token !== undefined) return joinWith(ctx, token, handle);
      if (!isHandle(handle)) throw LoglineError.usage('BAD_HANDLE', `"${handle}" is not a valid handle`, 'a handle is 1–64 lower-case letters, digits, ".", "_" or "-"');
      const tenant = slugify(name);
      const p = home.paths;
      for (const dir of [p.config, p.data, p.state]) mkdirSync(dir, { recursive: true, mode: 0o700 });
      const passphrase = ctx.passphrase();
      const identity = home.keystore.list().find((i) => i.node) ?? home.keystore.create(handle, { passphrase, node: true });
      writeConfigFile(p.configFile, { ...home.config.fileValues, identity: identity.handle, tenant });
      const client = await ctx.client();
      const [genesis] = await client.append({ drafts: [tenantCreated(tenant, name)], identity: identity.handle });
      const result = {
        home: p.home ?? p.config,
        identity: { handle: identity.handle, did: identity.did, peerId: identity.peerId, encrypted: identity.encrypted },
        tenant,
        genesis: genesis.id,
      };
      if (ctx.out.json) return ctx.out.data(result);
      ctx.out.line(`initialized ${result.home}`);
      ctx.out.line(`identity  ${identity.handle}  ${identity.did}${identity.encrypted ? '  (key encrypted)' : ''}`);
      ctx.out.line(`peer id   ${identity.peerId}`);
      ctx.out.line(`tenant    ${tenant}`);
      ctx.out.info('next: logline log "hello"');
    });
}
