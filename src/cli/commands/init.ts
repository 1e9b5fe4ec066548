import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { writeConfigFile } from '../../config/config.js';
import { LoglineError } from '../../errors/errors.js';
import { isHandle } from '../../identity/keystore.js';
import { tenantCreated } from '../../tenants/events.js';
import { slugify } from '../../tenants/slug.js';
import { contextOf } from '../context.js';

export default function register(program: Command): void {
  program
    .command('init')
    .description('prepare a node home: a node key, a default identity, config and a first tenant')
    .option('--handle <name>', 'handle of the first identity (default: your user name)')
    .addHelpText('after', `
The first tenant comes from the global --tenant (a name is slugified: "ACME Labs" → acme-labs);
default "personal". With LOGLINE_PASSPHRASE or --passphrase-file the key file is encrypted.

Example:
  logline --home ./node-a init --handle dan --tenant acme`)
    .action(async (opts: { handle?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.rawHome();
      if (home.initialized) {
        throw new LoglineError('HOME_EXISTS', `a logline home already exists at ${home.paths.home ?? home.paths.config}`, {
          hint: '`logline id show` shows its identity; use --home DIR for another home',
        });
      }
      const handle = opts.handle ?? (slugify(userInfo().username).slice(0, 64) || 'me');
      if (!isHandle(handle)) throw LoglineError.usage('BAD_HANDLE', `"${handle}" is not a valid handle`, 'a handle is 1–64 lower-case letters, digits, ".", "_" or "-"');
      const name = ctx.globals.tenant ?? 'personal';
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
