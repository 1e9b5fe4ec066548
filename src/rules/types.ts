/**
 * Rule documents (SPEC §6), in the original LogLine format: a condition tree or a CEL `when`, and a list of
 * actions, each an object tagged by `type`. These are the normalized shapes that `normalizeRule` returns and
 * that `rule.put` spans carry.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type ConditionDoc =
  | { type: 'always' }
  | { type: 'all' | 'any'; conditions: ConditionDoc[] }
  | { type: 'not'; condition: ConditionDoc }
  | { type: 'equals' | 'not_equals'; field: string; value: Json }
  | { type: 'exists' | 'missing'; field: string }
  | { type: 'contains_text'; field: string; text: string }
  | { type: 'contains_tag'; tag: string }
  | { type: 'greater_than' | 'less_than'; field: string; value: number }
  | { type: 'cel'; expr: string };

export type ConditionType = ConditionDoc['type'];

export const TASK_PRIORITIES = ['critical', 'high', 'normal', 'low'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/** Actions of the admission phase: they decide on, and annotate, a span about to be signed. */
export type AdmissionAction =
  | { type: 'allow' }
  | { type: 'reject'; reason: string }
  | { type: 'simulate'; note?: string }
  | { type: 'add_tag'; tag: string }
  | { type: 'set_metadata'; key: string; value: Json }
  | { type: 'note'; message: string };

/** Actions of the reaction phase: they never touch the trigger; the daemon carries them out. */
export type ReactionAction =
  | ({ type: 'emit'; title: string } & Record<string, Json>)
  | { type: 'task'; task: string; payload: { [key: string]: Json }; priority: TaskPriority }
  | ({ type: 'webhook'; url: string } & Record<string, Json>)
  /** A rule action a plugin registers (`action` is its name); the plugin checks `params` when it runs. */
  | { type: 'plugin'; action: string; params: { [key: string]: Json } };

export type ActionDoc = AdmissionAction | ReactionAction;
export type ActionType = ActionDoc['type'];

export const ADMISSION_ACTIONS = ['allow', 'reject', 'simulate', 'add_tag', 'set_metadata', 'note'] as const;
export const REACTION_ACTIONS = ['emit', 'task', 'webhook', 'plugin'] as const;

export type Phase = 'admission' | 'reaction';
export const PHASES: readonly Phase[] = ['admission', 'reaction'];

/** A rule, normalized: defaults filled in, keys in this order. Exactly one of `condition` and `when`. */
export interface RuleDoc {
  id: string;
  description?: string;
  priority: number;
  enabled: boolean;
  labels: string[];
  condition?: ConditionDoc;
  when?: string;
  actions: ActionDoc[];
}

/** Where a rule came from, for error messages: a file, or the `rule.put` span that carried it. */
export interface RuleSource {
  file?: string;
  span?: string;
}

export interface SourcedRule {
  doc: RuleDoc;
  source: RuleSource;
}

export type Decision = 'allow' | 'reject' | 'simulate';

/** A reaction a matching rule asks for; the daemon carries it out (emit a span, enqueue a task, call a webhook). */
export interface Reaction {
  rule: string;
  /** The version (content hash) of the rule that fired: each (span, rule version) fires once. */
  version: string;
  action: ReactionAction;
}

/** What a rule's condition could not evaluate (a CEL error): the rule did not match. */
export interface RuleEvalError {
  rule: string;
  message: string;
}

/** What one rule did, when `evaluate` is asked for a trace (`rules test`). */
export interface RuleStep {
  rule: string;
  /** false once an earlier rule rejected the span: the rule was not run. */
  ran: boolean;
  matched: boolean;
  /** The actions of this phase it applied, in order. */
  actions: ActionDoc[];
  error?: string;
}

export interface Outcome {
  phase: Phase;
  decision: Decision;
  /** Ids of the rules that matched and acted, in the order they ran. */
  applied_rules: string[];
  /** Tags the rules added that the span did not have, in order. */
  added_tags: string[];
  /** Metadata keys set, with their final values. */
  metadata_updates: Record<string, Json>;
  notes: string[];
  rejected_by?: { rule: string; reason: string };
  reactions: Reaction[];
  errors: RuleEvalError[];
  /** Content hash of the rule set that produced this outcome. */
  rule_set: string;
  steps?: RuleStep[];
}
