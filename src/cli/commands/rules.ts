import { Option, type Command } from 'commander';
import { LoglineError } from '../../errors/errors.js';
import { compileRules, ruleSetHash, type RuleSet } from '../../rules/compile.js';
import { evaluate } from '../../rules/evaluate.js';
import { readRuleFiles } from '../../rules/load.js';
import { currentRules, effectiveDocs, ruleDisabled, ruleEvents, rulePut, sameDoc, tenantRuleSet, type CurrentRule } from '../../rules/store.js';
import { PHASES, type Phase } from '../../rules/types.js';
import { sortedUnique } from '../../timeline/span.js';
import type { Context } from '../context.js';
import { contextOf } from '../context.js';
import { parseJsonObject } from '../parse.js';
import { eventLine, outcomeText, ruleLine, ruleSummary } from '../rules-format.js';

const FORMAT = `
A rule file (YAML or JSON) holds {rules: [...]}, a list of rules, or one rule:

  rules:
    - id: block-large-payments          # unique in the tenant
      description: payments above 10000 need an approval
      priority: 10                      # lower runs first (default 100), ties by id
      enabled: true                     # default true
      labels: [finance]
      condition:                        # default {type: always}
        type: all
        conditions:
          - {type: equals, field: workflow_id, value: payments}
          - {type: greater_than, field: data.amount, value: 10000}
      actions:
        - {type: reject, reason: payments above 10000 need an approval}
    - id: tag-receipts
      when: span.title.contains("Recibo")   # CEL instead of a condition; the span is bound as \`span\`
      actions: [{type: add_tag, tag: receipt}, {type: set_metadata, key: category, value: sales}]

Conditions: always, all {conditions}, any {conditions}, not {condition}, equals / not_equals {field, value},
exists / missing {field}, contains_text {field, text}, contains_tag {tag}, greater_than / less_than {field, value},
cel {expr}. Fields are dot paths into the span: data.amount, metadata.author.name, tags.0.
Admission actions (before a span is signed): allow, reject {reason}, simulate {note?}, add_tag {tag},
set_metadata {key, value}, note {message}. Reaction actions (after a span is committed): emit {title, …span
fields}, task {task, payload, priority}, webhook {url, method, headers, body, timeout_ms}.`;

export default function register(program: Command): void {
  const rules = program.command('rules').description('the tenant\'s rules: admission and reaction policy, versioned as spans')
    .addHelpText('after', FORMAT);

  rules.command('add')
    .description('put the rules of a file or directory into the tenant (one rule.put span per new or changed rule)')
    .argument('<path>', 'a rule file (.yaml, .yml, .json) or a directory of them (not recursive)')
    .addHelpText('after', '\nExample:\n  logline rules add policy.yaml --tenant acme')
    .action(async (path: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const found = await readRuleFiles(path);
      if (found.length === 0) throw LoglineError.usage('RULES_EMPTY', `${path} holds no rules`, '`logline rules --help` shows the rule format');
      await compileRules(found); // CEL syntax, before anything is stored
      const current = new Map(currentRules(ctx.home().repo, tenant).map((r) => [r.doc.id, r]));
      const changed = found.filter(({ doc }) => {
        const now = current.get(doc.id);
        return now === undefined || now.state === 'disabled' || !sameDoc(now.doc, doc);
      });
      const spans = changed.length === 0 ? [] : await (await ctx.client()).append({ drafts: changed.map(({ doc }) => rulePut(tenant, doc)) });
      const put = changed.map(({ doc }, i) => ({ id: doc.id, span: spans[i].id, new: !current.has(doc.id) }));
      const unchanged = found.filter(({ doc }) => !changed.some((c) => c.doc.id === doc.id)).map(({ doc }) => doc.id);
      if (ctx.out.json) return ctx.out.data({ tenant, put, unchanged });
      for (const p of put) ctx.out.line(`${p.new ? 'added  ' : 'updated'}  ${p.id}  ${p.span.slice(0, 12)}`);
      for (const id of unchanged) ctx.out.line(`same     ${id}`);
    });

  rules.command('list')
    .description('the tenant\'s current rules in the order they run')
    .action((_opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const list = currentRules(ctx.home().repo, tenant);
      const hash = ruleSetHash(effectiveDocs(list));
      if (ctx.out.json) return ctx.out.data({ tenant, rule_set: hash, rules: list.map(ruleSummary) });
      if (list.length === 0) return ctx.out.info(`no rules in ${tenant}: \`logline rules add <file> --tenant ${tenant}\``);
      const width = Math.max(...list.map((r) => r.doc.id.length));
      for (const r of list) ctx.out.line(ruleLine(r, width, ctx.out));
      ctx.out.info(`rule set ${hash.slice(0, 12)}`);
    });

  rules.command('show')
    .description('one rule as it is now (YAML; the document and its state with --json)')
    .argument('<id>', 'rule id')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const rule = findRule(ctx, id);
      if (ctx.out.json) return ctx.out.data({ ...ruleSummary(rule), rule: rule.doc });
      const yaml = await import('yaml');
      ctx.out.line(yaml.stringify(rule.doc, { lineWidth: 0 }).trimEnd());
      ctx.out.info(`${rule.state}${rule.disabledBy ? ` since ${rule.disabledBy.ts}` : ''}; put by span ${rule.span.slice(0, 12)} at ${rule.ts}`);
    });

  rules.command('history')
    .description('every version of a rule: its rule.put and rule.disabled spans, oldest first')
    .argument('<id>', 'rule id')
    .action((id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const events = ruleEvents(ctx.home().repo, tenant, id);
      if (events.length === 0) throw notFound(id, tenant);
      if (ctx.out.json) return ctx.out.data({ tenant, id, events });
      for (const e of events) ctx.out.line(eventLine(e, ctx.out));
    });

  rules.command('disable')
    .description('stop a rule (a rule.disabled span); `rules add` with the rule enables it again')
    .argument('<id>', 'rule id')
    .action(async (id: string, _opts, cmd: Command) => {
      const ctx = contextOf(cmd);
      const tenant = ctx.tenant();
      const rule = findRule(ctx, id);
      if (rule.state === 'disabled') {
        if (ctx.out.json) return ctx.out.data({ tenant, id, span: null, already: true });
        return ctx.out.info(`${id} is already disabled (since ${rule.disabledBy?.ts})`);
      }
      const [span] = await (await ctx.client()).append({ drafts: [ruleDisabled(tenant, id)] });
      if (ctx.out.json) return ctx.out.data({ tenant, id, span: span.id });
      ctx.out.line(`disabled ${id}  ${span.id.slice(0, 12)}`);
    });

  rules.command('test')
    .description('dry run: evaluate rules against a span and print the outcome and what each rule did (stores nothing)')
    .argument('[path]', 'rule file or directory (default: the tenant\'s current rules)')
    .requiredOption('--span <json>', 'the span: a full signed span or a draft ({"title": …}), as JSON, @file, or - for stdin')
    .addOption(new Option('--phase <phase>', 'admission (before signing) or reaction (after commit)').choices(PHASES).default('admission'))
    .addHelpText('after', `
Examples:
  logline rules test policy.yaml --span '{"title":"Pay","workflow_id":"payments","data":{"amount":20000}}'
  logline rules test --span @span.json --json        # the tenant's rules`)
    .action(async (path: string | undefined, opts: { span: string; phase: Phase }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const input = parseJsonObject(opts.span, '--span');
      let set: RuleSet;
      if (path !== undefined) set = await compileRules(await readRuleFiles(path));
      else set = await tenantRuleSet(ctx.home().repo, ctx.tenant(), { onInvalid: (rule, e) => ctx.out.warn(`rule ${rule} is left out: ${e.message}`) });
      const { outcome, span } = evaluate(set, specimen(input, ctx), opts.phase, { trace: true });
      if (ctx.out.json) return ctx.out.data({ outcome, span });
      ctx.out.line(outcomeText(outcome, ctx.out));
    });
}

/**
 * The span a dry run evaluates. A signed span is taken as it is; a draft gets what signing would add to it
 * (v, tenant, ts, status, kind, visibility; tags sorted and unique), so that conditions on those fields work.
 */
function specimen(input: Record<string, unknown>, ctx: Context): Record<string, unknown> {
  if (typeof input.sig === 'string' && typeof input.id === 'string') return input;
  let tenant: string | undefined = ctx.globals.tenant;
  if (tenant === undefined) {
    const configured = ctx.rawHome().config.get('tenant');
    if (typeof configured === 'string') tenant = configured;
  }
  const span: Record<string, unknown> = {
    v: 1, ...(tenant === undefined ? {} : { tenant }), ts: new Date().toISOString(), status: 'executed', kind: 'user', visibility: 'organization', ...input,
  };
  for (const key of ['tags', 'related']) {
    if (Array.isArray(span[key]) && (span[key] as unknown[]).every((t) => typeof t === 'string')) span[key] = sortedUnique(span[key] as string[]);
  }
  return span;
}

function findRule(ctx: Context, id: string): CurrentRule {
  const tenant = ctx.tenant();
  const rule = currentRules(ctx.home().repo, tenant).find((r) => r.doc.id === id);
  if (!rule) throw notFound(id, tenant);
  return rule;
}

function notFound(id: string, tenant: string): LoglineError {
  return new LoglineError('RULE_NOT_FOUND', `no rule ${id} in ${tenant}`, { hint: `\`logline rules list --tenant ${tenant}\`` });
}
