import type { Command } from 'commander';
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
