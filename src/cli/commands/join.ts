import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeConfigFile } from '../../config/config.js';
import { LoglineError } from '../../errors/errors.js';
import { isHandle } from '../../identity/keystore.js';
import { decodeInvite } from '../../tenants/invite.js';
import { slugify } from '../../tenants/slug.js';
import { contextOf, type Context } from '../context.js';

export default function register(program: Command): void {
  program
    .command('join')
    .description('join a tenant with an invitation token: be admitted by the inviting node and replicate the tenant')
    .argument('<token>', 'the token printed by `logline invite create` on the inviting node')
    .option('--handle <name>', 'handle of the identity to create when this home has none (default: your user name)')
    .addHelpText('after', `
On a fresh machine this also prepares the home (a node key and config), like \`logline init\`. The inviting node's
daemon must be reachable; with a daemon running here, it joins and keeps replicating, else this command joins,
runs a first sync and the next \`logline node start\` keeps replicating.

Example:
  logline join llinv1.eyJ2Ijox…`)
    .action(async (token: string, opts: { handle?: string }, cmd: Command) => {
      await joinWith(contextOf(cmd), token, opts.handle);
    });
}

/**
 * Joins the tenant of an invitation as this home's identity, preparing the home first when it has none (a node
 * key and a config, like `init`); a refused join removes what it prepared.
 */
export async function joinWith(ctx: Context, token: string, handleOpt?: string): Promise<void> {
  const invite = decodeInvite(token); // shape, signature and expiry, before anything changes here
  const home = ctx.rawHome();
  const p = home.paths;
  const created: string[] = [];
  const fresh = !home.initialized;
  if (fresh) {
    const handle = handleOpt ?? (slugify(userInfo().username).slice(0, 64) || 'me');
    if (!isHandle(handle)) throw LoglineError.usage('BAD_HANDLE', `"${handle}" is not a valid handle`, 'a handle is 1–64 lower-case letters, digits, ".", "_" or "-"');
    for (const dir of [p.home, p.config, p.data, p.state]) {
      if (dir === undefined || dir === null || existsSync(dir)) continue;
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      created.push(dir);
    }
    if (!existsSync(p.keys)) created.push(p.keys);
    const identity = home.keystore.create(handle, { passphrase: ctx.passphrase(), node: true });
    created.push(join(p.keys, `${identity.handle}.key`));
    if (!existsSync(p.configFile)) created.push(p.configFile);
    writeConfigFile(p.configFile, { ...home.config.fileValues, identity: identity.handle, tenant: invite.t });
    ctx.out.info(`created identity ${identity.handle}  ${identity.did}`);
  }
  try {
    const result = await (await ctx.client()).join({ token, identity: ctx.identity() });
    if (!fresh && home.config.get('tenant') === null) writeConfigFile(p.configFile, { ...home.config.fileValues, tenant: invite.t });
    if (ctx.out.json) return ctx.out.data(result);
    ctx.out.line(`joined ${result.tenant} as ${result.role}: ${result.spans} spans here`);
    if (!result.synced) ctx.out.warn('the first sync did not finish; it goes on with the daemon (`logline node start`)');
    ctx.out.info(`next: logline --tenant ${result.tenant} log "hello"`);
  } catch (e) {
    // a refused join leaves no trace: what this command created goes
    await ctx.close();
    if (fresh) for (const path of created.reverse()) rmSync(path, { recursive: true, force: true });
    throw e;
  }
}
