import type { PluginSet } from '../plugins/registry.js';
import type { Context } from './context.js';

let loaded: Promise<PluginSet> | undefined;

/**
 * Loads the plugins in this process, once, for a command that must know what they register (the task types
 * `task add` and `schedule add` check a payload against). Never on the path of `logline log`. A plugin that
 * fails is reported on stderr (unless `quiet`: the caller reports it) and skipped, as the daemon does.
 */
export function cliPlugins(ctx: Context, opts: { quiet?: boolean } = {}): Promise<PluginSet> {
  loaded ??= (async () => {
    const { loadPlugins } = await import('../plugins/load.js');
    const home = ctx.home();
    const set = await loadPlugins({ config: home.config, configFile: home.paths.configFile });
    if (!opts.quiet) for (const f of set.failures) ctx.out.warn(`${f.code}: ${f.message}`);
    return set;
  })();
  return loaded;
}
