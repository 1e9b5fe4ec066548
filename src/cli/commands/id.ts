import type { Command } from 'commander';
import { writeConfigFile } from '../../config/config.js';
import type { IdentityInfo } from '../../identity/keystore.js';
import { contextOf } from '../context.js';

export default function register(program: Command): void {
  const id = program.command('id').description('identities of this home: the keys that sign spans');

  id.command('show')
    .description('print an identity: did:key, libp2p peer id and handle (default: the signing identity)')
    .argument('[handle]', 'handle of the identity')
    .action((handle: string | undefined, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.home();
      const info = home.keystore.get(handle ?? home.defaultIdentity());
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(`handle   ${info.handle}${info.node ? ' (node key)' : ''}`);
      ctx.out.line(`did      ${info.did}`);
      ctx.out.line(`peer id  ${info.peerId}`);
      ctx.out.line(`key      ${info.encrypted ? 'encrypted with a passphrase' : 'not encrypted'}`);
    });

  id.command('create')
    .description('create another identity on this node: its own key and its own chain in every tenant')
    .requiredOption('--handle <handle>', 'its handle (1–64 lower-case letters, digits, ".", "_", "-")')
    .addHelpText('after', '\nA new identity writes into a tenant once an owner or admin adds it:\n  logline id create --handle ana\n  logline member add ana --tenant acme --role member\n  logline log "hello" --as ana')
    .action((opts: { handle: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const info = ctx.home().keystore.create(opts.handle, { passphrase: ctx.passphrase() });
      if (ctx.out.json) return ctx.out.data(info);
      ctx.out.line(`created ${info.handle}  ${info.did}${info.encrypted ? '  (key encrypted)' : ''}`);
      ctx.out.info(`sign with it: --as ${info.handle}, or \`logline id use ${info.handle}\``);
    });

  id.command('use')
    .description('make an identity the one that signs by default')
    .argument('<handle>', 'handle of the identity')
    .action((handle: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.home();
      const info = home.keystore.get(handle);
      writeConfigFile(home.paths.configFile, { ...home.config.fileValues, identity: info.handle });
      if (ctx.out.json) return ctx.out.data({ ...info, default: true });
      ctx.out.line(`${info.handle} signs by default  ${info.did}`);
    });

  id.command('list')
    .description('list the identities of this home')
    .action((_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const home = ctx.home();
      const current = home.defaultIdentity();
      const list: (IdentityInfo & { default: boolean })[] = home.keystore.list().map((i) => ({ ...i, default: i.handle === current }));
      if (ctx.out.json) return ctx.out.data(list);
      for (const i of list) ctx.out.line(`${i.default ? '*' : ' '} ${i.handle.padEnd(16)} ${i.did}${i.node ? '  (node key)' : ''}`);
    });
}
