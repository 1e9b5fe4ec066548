import { LoglineError } from '../errors/errors.js';
import type { Outcome } from './types.js';

/** The error of an admission that a rule rejected: nothing is stored, the caller gets the rule and its reason. */
export function ruleRejected(outcome: Outcome): LoglineError {
  const by = outcome.rejected_by ?? { rule: '?', reason: 'rejected' };
  return new LoglineError('RULE_REJECTED', `rule ${by.rule} rejected the span: ${by.reason}`, {
    hint: `\`logline rules show ${by.rule}\` shows the rule; \`logline rules test\` tries a span against the rules`,
    details: { rule: by.rule, reason: by.reason, rule_set: outcome.rule_set },
  });
}
