import { LoglineError } from '../errors/errors.js';
import type { RuleSource } from './types.js';

/** Error codes of rule documents, one per kind of mistake. */
export const RULE_ERRORS = {
  /** The path does not exist or cannot be read. */
  NOT_FOUND: 'RULES_NOT_FOUND',
  /** The file is not valid YAML or JSON. */
  PARSE: 'RULES_PARSE',
  /** The file is neither `{rules: [...]}`, a list of rules, nor one rule. */
  BAD_DOCUMENT: 'RULES_BAD_DOCUMENT',
  /** A rule field is missing, of the wrong type, or unknown. */
  BAD_SHAPE: 'RULE_BAD_SHAPE',
  DUPLICATE_ID: 'RULE_DUPLICATE_ID',
  UNKNOWN_CONDITION: 'RULE_UNKNOWN_CONDITION',
  BAD_CONDITION: 'RULE_BAD_CONDITION',
  UNKNOWN_ACTION: 'RULE_UNKNOWN_ACTION',
  BAD_ACTION: 'RULE_BAD_ACTION',
  CEL_SYNTAX: 'RULE_CEL_SYNTAX',
} as const;

export function describeSource(source: RuleSource): string {
  if (source.file !== undefined) return source.file;
  if (source.span !== undefined) return `rule.put span ${source.span.slice(0, 12)}`;
  return 'rules';
}

/**
 * A mistake in a rule document, located by file (or span), rule id and the path inside the rule
 * (`actions[1].tag`): `rules.yaml: rule "big-payments": actions[1].tag must be a non-empty string`.
 */
export function ruleError(code: string, source: RuleSource, rule: string | undefined, path: string | undefined, message: string, hint?: string): LoglineError {
  const where = `${describeSource(source)}${rule === undefined ? '' : `: rule "${rule}"`}`;
  return new LoglineError(code, `${where}: ${path ? `${path} ` : ''}${message}`, {
    hint: hint ?? 'see `logline rules --help` for the rule format',
    details: { file: source.file, span: source.span, rule, path },
  });
}
