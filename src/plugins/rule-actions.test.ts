import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { evaluateWith } from '../testing/rules.js';
import { tempDir } from '../testing/cli.js';
import type { Span } from '../timeline/span.js';
import { loadPlugins } from './load.js';
import type { PluginSet } from './registry.js';
import { runPluginAction } from './rule-actions.js';

/** A plugin whose rule action records what it was given. */
const ACTIONS = `
export const calls = [];
export default {
  name: 'recorder',
  register(host) {
    host.ruleAction({ name: 'record', description: 'remember the span', schema: host.v.object({ label: host.v.string() }),
      run(params, ctx) { calls.push({ label: params.label, rule: ctx.rule, tenant: ctx.tenant, title: ctx.span.title }); } });
  },
};`;

describe('plugin rule actions', () => {
  const dir = tempDir('logline-rule-actions-');
  let set: PluginSet;
  let calls: { label: string; rule: string; tenant: string; title: string }[];
  beforeAll(async () => {
    const file = join(dir.dir, 'recorder.mjs');
    writeFileSync(file, ACTIONS);
    const entries = [{ source: file, origin: 'config' as const, specifier: pathToFileURL(file).href },
      { source: join(dir.dir, 'late.mjs'), origin: 'config' as const, specifier: pathToFileURL(join(dir.dir, 'late.mjs')).href }];
    writeFileSync(entries[1].source, "export default { name: 'late', register(host) { host.ruleAction({ name: 'webhook', description: '', schema: host.v.object({}), run() {} }); } };");
    set = await loadPlugins({ config: loadConfig(join(dir.dir, 'config.toml'), {}, {}), configFile: join(dir.dir, 'config.toml'), entries });
    calls = ((await import(entries[0].specifier)) as { calls: typeof calls }).calls;
  });
  afterAll(() => dir.cleanup());

  it('a rule names the action with {type: plugin}; the reaction carries its params for the daemon', async () => {
    const rules = [{ id: 'rec', condition: { type: 'contains_tag', tag: 'x' }, actions: [{ type: 'plugin', action: 'record', params: { label: 'seen' } }] }];
    const { outcome } = await evaluateWith(rules, { title: 'hello', tags: ['x'] }, 'reaction');
    expect(outcome.reactions).toEqual([expect.objectContaining({ rule: 'rec', action: { type: 'plugin', action: 'record', params: { label: 'seen' } } })]);
    const ctx = { tenant: 'acme', span: { title: 'hello' } as Span, rule: 'rec', signal: new AbortController().signal };
    const action = outcome.reactions[0].action;
    if (action.type !== 'plugin') throw new Error('expected a plugin reaction');
    await runPluginAction(set, action, ctx);
    expect(calls).toEqual([{ label: 'seen', rule: 'rec', tenant: 'acme', title: 'hello' }]);
  });

  it('refuses params that do not fit the schema, naming the field, and unknown actions, listing the known', async () => {
    const ctx = { tenant: 'acme', span: { title: 'x' } as Span, rule: 'r1', signal: new AbortController().signal };
    await expect(runPluginAction(set, { action: 'record', params: { label: 3 } }, ctx)).rejects.toMatchObject({ code: 'BAD_ACTION', message: expect.stringContaining('params.label') });
    await expect(runPluginAction(set, { action: 'nope', params: {} }, ctx)).rejects.toMatchObject({ code: 'PLUGIN_ACTION_UNKNOWN', message: expect.stringContaining('known: record') });
  });

  it('a plugin may not take the name of a built-in action', () => {
    expect(set.failures).toEqual([expect.objectContaining({ plugin: 'late', code: 'PLUGIN_DUPLICATE', message: expect.stringContaining('the rule action "webhook" is already registered by logline (built in)') })]);
  });

  it('a rule with a malformed plugin action is refused where rules are read (no plugin needed)', async () => {
    await expect(evaluateWith([{ id: 'bad', actions: [{ type: 'plugin', params: {} }] }], {}, 'reaction')).rejects.toMatchObject({ code: 'RULE_BAD_ACTION', message: expect.stringContaining('action') });
  });
});
