import * as v from 'valibot';
import { LoglineError } from '../errors/errors.js';
import type { Json } from '../rules/types.js';
import { pluginError } from './errors.js';
import type { PluginSet } from './registry.js';
import type { RuleActionContext } from './types.js';

/**
 * Carries out a rule's `{type: plugin, action, params}` reaction with the plugin that registered the action:
 * `params` is checked against its schema first (the error names the field), then `run` is awaited. For the
 * daemon's reaction phase (src/daemon/reactions.ts); it throws when the action is unknown, the params do not
 * fit, or the plugin's run fails.
 */
export async function runPluginAction(set: PluginSet, action: { action: string; params: { [key: string]: Json } }, ctx: RuleActionContext): Promise<void> {
  const entry = set.ruleActions.get(action.action);
  if (!entry) {
    throw pluginError('PLUGIN_ACTION_UNKNOWN', `rule ${ctx.rule}: no loaded plugin registers the rule action "${action.action}"; known: ${[...set.ruleActions.keys()].sort().join(', ') || 'none'}`);
  }
  const r = v.safeParse(entry.action.schema, action.params);
  if (!r.success) {
    const path = v.getDotPath(r.issues[0]);
    throw new LoglineError('BAD_ACTION', `rule ${ctx.rule}: params${path ? `.${path}` : ''} (plugin action ${action.action} of ${entry.plugin}): ${r.issues[0].message}`, {
      hint: 'fix the rule\'s params; `logline plugin list` shows which plugin registers the action', details: { field: path ? `params.${path}` : 'params' },
    });
  }
  await entry.action.run(r.output, ctx);
}
