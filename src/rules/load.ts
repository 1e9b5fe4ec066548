import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { LoglineError } from '../errors/errors.js';
import { describeSource, RULE_ERRORS, ruleError } from './errors.js';
import { normalizeRule } from './rule-doc.js';
import { isObject } from './shape.js';
import type { RuleSource, SourcedRule } from './types.js';

export const RULE_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * The rules of a file, or of the `*.yaml`, `*.yml` and `*.json` files of a directory (not recursive, in name
 * order), each checked and normalized. Ids must be unique across all of them.
 */
export async function readRuleFiles(path: string): Promise<SourcedRule[]> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new LoglineError(RULE_ERRORS.NOT_FOUND, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      hint: 'give a rule file (.yaml, .yml, .json) or a directory of them',
    });
  }
  const files = isDir
    ? (await readdir(path, { withFileTypes: true }))
      .filter((d) => d.isFile() && RULE_FILE_EXTENSIONS.includes(extname(d.name).toLowerCase()))
      .map((d) => join(path, d.name))
      .sort()
    : [path];
  const rules: SourcedRule[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new LoglineError(RULE_ERRORS.NOT_FOUND, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    rules.push(...(await parseRules(text, { file }, extname(file).toLowerCase() === '.json' ? 'json' : 'yaml')));
  }
  checkUniqueIds(rules);
  return rules;
}

/** The rules of one document's text: `{rules: [...]}`, a list of rules, or one rule (an empty text has none). */
export async function parseRules(text: string, source: RuleSource, format: 'yaml' | 'json'): Promise<SourcedRule[]> {
  let value: unknown;
  try {
    if (format === 'json') value = JSON.parse(text);
    else {
      // yaml is loaded only by commands that read rule files, never on the path of `logline log`
      const yaml = await import('yaml');
      value = yaml.parse(text);
    }
  } catch (e) {
    throw new LoglineError(RULE_ERRORS.PARSE, `${describeSource(source)}: not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`, {
      hint: 'a rule file holds {rules: [...]}, a list of rules, or one rule', details: { file: source.file },
    });
  }
  const list = rulesOf(value, source);
  const rules = list.map((raw, i) => ({ doc: normalizeRule(raw, source, i), source }));
  checkUniqueIds(rules);
  return rules;
}

function rulesOf(value: unknown, source: RuleSource): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (isObject(value) && 'rules' in value && !('id' in value)) {
    const extra = Object.keys(value).filter((k) => k !== 'rules');
    if (!Array.isArray(value.rules) || extra.length > 0) {
      throw ruleError(RULE_ERRORS.BAD_DOCUMENT, source, undefined, undefined, extra.length > 0 ? `has fields besides "rules": ${extra.join(', ')}` : '"rules" is not a list');
    }
    return value.rules;
  }
  if (isObject(value)) return [value];
  throw ruleError(RULE_ERRORS.BAD_DOCUMENT, source, undefined, undefined, 'is neither {rules: [...]}, a list of rules, nor one rule');
}

/** Every id once: a second rule with an id already seen is an error that names both places. */
export function checkUniqueIds(rules: readonly SourcedRule[]): void {
  const seen = new Map<string, RuleSource>();
  for (const { doc, source } of rules) {
    const first = seen.get(doc.id);
    if (first) {
      throw ruleError(RULE_ERRORS.DUPLICATE_ID, source, doc.id, undefined, `has the same id as a rule in ${describeSource(first)}`, 'rule ids are unique within a tenant');
    }
    seen.set(doc.id, source);
  }
}
