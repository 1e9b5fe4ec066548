import * as v from 'valibot';
import { permanent } from '../errors.js';
import { taskType } from './type.js';

/** `sync`: a federation round with every trusted peer, when the daemon runs with peer-to-peer. */
export const sync = taskType({
  name: 'sync',
  description: 'a federation round with every trusted peer: {}',
  schema: v.strictObject({}),
  defaults: { maxAttempts: 3, backoffMs: 5000, backoffMaxMs: 5 * 60_000, timeoutMs: 60_000, onCrash: 'retry' },
  async run(_payload, ctx) {
    if (!ctx.sync) throw permanent('P2P_OFF', 'this daemon does not listen for peers', 'start it with --listen, or set listen in the config');
    return { data: await ctx.sync() };
  },
});
