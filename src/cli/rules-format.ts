import { phaseOf } from '../rules/action-doc.js';
import type { CurrentRule, RuleEvent } from '../rules/store.js';
import { PHASES, type ActionDoc, type Outcome, type RuleDoc } from '../rules/types.js';
import type { Output } from './output.js';

const DECISION_COLOR = { allow: '32', simulate: '36', reject: '31' } as const;

/** One action in a few words: `reject "reason"`, `add_tag receipt`, `set_metadata category="sales"`. */
export function actionText(a: ActionDoc): string {
  switch (a.type) {
    case 'allow': return 'allow';
    case 'reject': return `reject ${JSON.stringify(a.reason)}`;
    case 'simulate': return a.note === undefined ? 'simulate' : `simulate (${a.note})`;
    case 'add_tag': return `add_tag ${a.tag}`;
    case 'set_metadata': return `set_metadata ${a.key}=${JSON.stringify(a.value)}`;
    case 'note': return `note ${JSON.stringify(a.message)}`;
    case 'emit': return `emit ${JSON.stringify(a.title)}`;
    case 'task': return `task ${a.task} (${a.priority})`;
    case 'webhook': return `webhook ${String(a.method ?? 'POST')} ${a.url}`;
    case 'plugin': return `plugin ${a.action} ${JSON.stringify(a.params)}`;
  }
}

/** The outcome of `rules test` for people: the decision, then what each rule did, then the changes. */
export function outcomeText(o: Outcome, out: Output): string {
  const lines: string[] = [];
  const why = o.rejected_by ? ` by ${o.rejected_by.rule}: ${o.rejected_by.reason}` : '';
  lines.push(`decision: ${out.paint(DECISION_COLOR[o.decision], o.decision)}${why}  ${out.paint('2', `(${o.phase}, rule set ${o.rule_set.slice(0, 12)})`)}`);
  const steps = o.steps ?? [];
  const width = Math.max(0, ...steps.map((s) => s.rule.length));
  for (const s of steps) {
    const state = !s.ran ? out.paint('90', 'not run (rejected before)') : s.error !== undefined ? out.paint('33', `error: ${s.error}`)
      : s.matched ? `${out.paint('32', 'matched')}  ${s.actions.map(actionText).join(', ')}` : out.paint('2', 'no match');
    lines.push(`  ${s.rule.padEnd(width)}  ${state}`);
  }
  if (steps.length === 0) lines.push(out.paint('2', `  no rule has ${o.phase} actions`));
  if (o.added_tags.length) lines.push(`tags added: ${o.added_tags.join(', ')}`);
  const meta = Object.entries(o.metadata_updates);
  if (meta.length) lines.push(`metadata: ${meta.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
  for (const r of o.reactions) lines.push(`reaction: ${r.rule}: ${actionText(r.action)}`);
  for (const n of o.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

/** The phases a rule takes part in: `admission`, `reaction` or `admission+reaction`. */
export function phasesOf(doc: RuleDoc): string {
  const phases = new Set(doc.actions.map((a) => phaseOf(a.type)));
  return PHASES.filter((p) => phases.has(p)).join('+');
}

/** What `rules list --json` prints for each rule. */
export function ruleSummary(r: CurrentRule): Record<string, unknown> {
  return {
    id: r.doc.id, priority: r.doc.priority, state: r.state === 'enabled' && !r.doc.enabled ? 'off' : r.state,
    phases: phasesOf(r.doc), labels: r.doc.labels, description: r.doc.description, span: r.span, ts: r.ts, author: r.author,
    ...(r.disabledBy ? { disabled_by: r.disabledBy } : {}),
  };
}

export function ruleLine(r: CurrentRule, width: number, out: Output): string {
  const s = ruleSummary(r);
  const state = String(s.state);
  const painted = out.paint(state === 'enabled' ? '32' : '90', state.padEnd(8));
  const labels = r.doc.labels.length ? ` ${out.paint('35', r.doc.labels.map((l) => `#${l}`).join(' '))}` : '';
  return `${r.doc.id.padEnd(width)}  ${String(r.doc.priority).padStart(5)}  ${painted}  ${String(s.phases).padEnd(18)}  ${r.doc.description ?? ''}${labels}`;
}

export function eventLine(e: RuleEvent, out: Output): string {
  const what = e.event === 'put' ? out.paint('32', 'put     ') : out.paint('33', 'disabled');
  const summary = e.doc ? `priority ${e.doc.priority}${e.doc.enabled ? '' : ', enabled: false'}, ${e.doc.actions.map(actionText).join(', ')}` : '';
  const ignored = e.ignored === undefined ? '' : out.paint('31', ` (ignored: ${e.ignored})`);
  return `${out.paint('2', e.ts)}  ${what}  ${out.paint('33', e.span.slice(0, 12))}  ${e.author.slice(0, 20)}…  ${summary}${ignored}`;
}
