import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoglineError } from '../errors/errors.js';
import { tempDir } from '../testing/cli.js';
import { compileRules } from './compile.js';
import { readRuleFiles } from './load.js';

const t = tempDir('logline-rules-');
afterAll(() => t.cleanup());
let n = 0;
function file(name: string, text: string): string {
  const dir = join(t.dir, `case-${n++}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The error loading (and compiling) a file fails with. */
async function failure(name: string, text: string): Promise<LoglineError> {
  try {
    await compileRules(await readRuleFiles(file(name, text)));
  } catch (e) {
    if (e instanceof LoglineError) return e;
    throw e;
  }
  throw new Error('expected the rules to be refused');
}

describe('documents', () => {
  it('a file holds {rules: [...]}, a list, or one rule; defaults are filled in', async () => {
    const one = 'id: solo\nactions: [{type: allow}]\n';
    const list = '- id: solo\n  actions:\n    - type: allow\n';
    const doc = 'rules:\n  - id: solo\n    actions: [{type: allow}]\n';
    for (const text of [one, list, doc]) {
      const rules = await readRuleFiles(file('r.yaml', text));
      expect(rules.map((r) => r.doc)).toEqual([{ id: 'solo', priority: 100, enabled: true, labels: [], condition: { type: 'always' }, actions: [{ type: 'allow' }] }]);
    }
  });

  it('JSON files, and every field of a rule', async () => {
    const rule = {
      id: 'full', description: 'all fields', priority: 7, enabled: false, labels: ['finance', 'audit'],
      condition: { type: 'all', conditions: [{ type: 'exists', field: 'data.amount' }] },
      actions: [{ type: 'note', message: 'hi' }],
    };
    const rules = await readRuleFiles(file('r.json', JSON.stringify({ rules: [rule] })));
    expect(rules[0].doc).toEqual(rule);
    expect(rules[0].source.file).toMatch(/r\.json$/);
  });

  it('`when` takes the place of the condition', async () => {
    const [r] = await readRuleFiles(file('r.yml', 'id: c\nwhen: span.data.amount > 1\nactions: [{type: allow}]\n'));
    expect(r.doc).toEqual({ id: 'c', priority: 100, enabled: true, labels: [], when: 'span.data.amount > 1', actions: [{ type: 'allow' }] });
  });

  it('an empty file holds no rules', async () => {
    expect(await readRuleFiles(file('empty.yaml', ''))).toEqual([]);
    expect(await readRuleFiles(file('empty.yaml', '{rules: []}'))).toEqual([]);
  });

  it('a directory loads its .yaml, .yml and .json files, in name order, not recursively', async () => {
    const dir = join(t.dir, 'dir');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'b.yml'), 'id: b\nactions: [{type: allow}]\n');
    writeFileSync(join(dir, 'a.yaml'), '- {id: a1, actions: [{type: allow}]}\n- {id: a2, actions: [{type: allow}]}\n');
    writeFileSync(join(dir, 'c.json'), '{"id":"c","actions":[{"type":"allow"}]}');
    writeFileSync(join(dir, 'notes.txt'), 'id: txt\nactions: [{type: allow}]\n');
    writeFileSync(join(dir, 'sub', 'd.yaml'), 'id: d\nactions: [{type: allow}]\n');
    const rules = await readRuleFiles(dir);
    expect(rules.map((r) => r.doc.id)).toEqual(['a1', 'a2', 'b', 'c']);
  });
});

describe('mistakes are reported with the file, the rule and the place', () => {
  it('duplicate ids, in one file or across the files of a directory', async () => {
    const e = await failure('r.yaml', '- {id: x, actions: [{type: allow}]}\n- {id: x, actions: [{type: allow}]}\n');
    expect(e.code).toBe('RULE_DUPLICATE_ID');
    expect(e.message).toMatch(/r\.yaml: rule "x"/);

    const dir = join(t.dir, 'dupes');
    mkdirSync(dir);
    writeFileSync(join(dir, 'one.yaml'), 'id: same\nactions: [{type: allow}]\n');
    writeFileSync(join(dir, 'two.json'), '{"id":"same","actions":[{"type":"allow"}]}');
    const err = await readRuleFiles(dir).catch((x: unknown) => x as LoglineError);
    expect(err).toBeInstanceOf(LoglineError);
    expect((err as LoglineError).code).toBe('RULE_DUPLICATE_ID');
    expect((err as LoglineError).message).toMatch(/two\.json: rule "same".*one\.yaml/);
  });

  it('an unknown condition type, also deep in a tree', async () => {
    const e = await failure('r.yaml', 'id: deep\ncondition: {type: all, conditions: [{type: always}, {type: not, condition: {type: matches, field: title}}]}\nactions: [{type: allow}]\n');
    expect(e.code).toBe('RULE_UNKNOWN_CONDITION');
    expect(e.message).toContain('r.yaml: rule "deep": condition.conditions[1].condition.type "matches" is not a condition type');
    expect(e.hint).toMatch(/contains_text/);
    expect(e.details).toMatchObject({ rule: 'deep', path: 'condition.conditions[1].condition.type' });
  });

  it('an unknown action type', async () => {
    const e = await failure('r.yaml', 'id: act\nactions: [{type: allow}, {type: mark_processed}]\n');
    expect(e.code).toBe('RULE_UNKNOWN_ACTION');
    expect(e.message).toContain('rule "act": actions[1].type "mark_processed" is not an action type');
  });

  it('a CEL syntax error, in `when` or in a tree, and in a disabled rule too', async () => {
    let e = await failure('r.yaml', 'id: cel\nwhen: "span.data.amount >"\nactions: [{type: allow}]\n');
    expect(e.code).toBe('RULE_CEL_SYNTAX');
    expect(e.message).toMatch(/r\.yaml: rule "cel": when is not a valid CEL expression/);
    e = await failure('r.yaml', 'id: tree\nenabled: false\ncondition: {type: cel, expr: "span.(("}\nactions: [{type: allow}]\n');
    expect(e.code).toBe('RULE_CEL_SYNTAX');
    expect(e.message).toMatch(/rule "tree": condition/);
  });

  it('YAML and JSON syntax errors, missing paths and documents of the wrong shape', async () => {
    expect((await failure('r.yaml', 'id: [unclosed\n')).code).toBe('RULES_PARSE');
    expect((await failure('r.json', '{"id": ')).code).toBe('RULES_PARSE');
    expect((await failure('r.yaml', '"just a string"')).code).toBe('RULES_BAD_DOCUMENT');
    expect((await failure('r.yaml', 'rules: {id: x}')).code).toBe('RULES_BAD_DOCUMENT');
    expect((await failure('r.yaml', 'rules: []\nversion: 2')).code).toBe('RULES_BAD_DOCUMENT');
    const missing = await readRuleFiles(join(t.dir, 'nope.yaml')).catch((x: unknown) => x as LoglineError);
    expect((missing as LoglineError).code).toBe('RULES_NOT_FOUND');
  });

  const shapes: [string, string, RegExp][] = [
    ['no id', 'actions: [{type: allow}]', /rule "#1": id is missing/],
    ['an id with spaces', 'id: "a b"\nactions: [{type: allow}]', /"a b" is not a rule id/],
    ['a rule that is a list item but not an object', '- 42', /rule "#1": is not an object/],
    ['an unknown field', 'id: x\nconditon: {type: always}\nactions: [{type: allow}]', /rule "x": conditon is not a field of a rule/],
    ['a priority that is not an integer', 'id: x\npriority: high\nactions: [{type: allow}]', /priority must be an integer/],
    ['a negative priority', 'id: x\npriority: -1\nactions: [{type: allow}]', /priority must be an integer ≥ 0/],
    ['enabled that is not a boolean', 'id: x\nenabled: "yes"\nactions: [{type: allow}]', /enabled must be true or false/],
    ['labels that are not strings', 'id: x\nlabels: [1]\nactions: [{type: allow}]', /labels must be a list of strings/],
    ['both a condition and a when', 'id: x\nwhen: "true"\ncondition: {type: always}\nactions: [{type: allow}]', /both a condition and a when/],
    ['no actions', 'id: x\ncondition: {type: always}', /actions is missing/],
    ['an empty list of actions', 'id: x\nactions: []', /actions must be a non-empty list/],
  ];
  it.each(shapes)('RULE_BAD_SHAPE: %s', async (_name, text, message) => {
    const e = await failure('r.yaml', text);
    expect(e.code).toBe('RULE_BAD_SHAPE');
    expect(e.message).toMatch(message);
  });

  const conditions: [string, string, RegExp][] = [
    ['a condition that is not an object', '"always"', /condition must be an object/],
    ['no type', '{field: title}', /condition.type is missing/],
    ['equals without a value', '{type: equals, field: title}', /condition.value is missing/],
    ['equals without a field', '{type: equals, value: 1}', /condition.field is missing/],
    ['a field that names nothing', '{type: exists, field: "."}', /condition.field "." names no field/],
    ['greater_than with a string', '{type: greater_than, field: data.amount, value: "10"}', /condition.value must be a number/],
    ['less_than without a value', '{type: less_than, field: data.amount}', /condition.value is missing/],
    ['all without conditions', '{type: all}', /condition.conditions is missing/],
    ['any with an object', '{type: any, conditions: {type: always}}', /condition.conditions must be a list/],
    ['not without a condition', '{type: not}', /condition.condition is missing/],
    ['contains_tag without a tag', '{type: contains_tag}', /condition.tag is missing/],
    ['contains_text with a number', '{type: contains_text, field: title, text: 5}', /condition.text must be a string/],
    ['a field of another type', '{type: exists, field: title, value: 1}', /condition.value is not a field of the exists condition/],
    ['cel without expr', '{type: cel}', /condition.expr is missing/],
  ];
  it.each(conditions)('RULE_BAD_CONDITION: %s', async (_name, condition, message) => {
    const e = await failure('r.yaml', `id: c\ncondition: ${condition}\nactions: [{type: allow}]`);
    expect(e.code).toBe('RULE_BAD_CONDITION');
    expect(e.message).toMatch(/r\.yaml: rule "c": /);
    expect(e.message).toMatch(message);
  });

  const actions: [string, string, RegExp][] = [
    ['an action that is not an object', 'allow', /actions\[0\] must be an object/],
    ['reject without a reason', '{type: reject}', /actions\[0\].reason is missing/],
    ['reject with an empty reason', '{type: reject, reason: ""}', /reason must not be empty/],
    ['simulate with a numeric note', '{type: simulate, note: 3}', /note must be a string/],
    ['add_tag without a tag', '{type: add_tag}', /tag is missing/],
    ['set_metadata without a value', '{type: set_metadata, key: k}', /value is missing/],
    ['set_metadata without a key', '{type: set_metadata, value: 1}', /key is missing/],
    ['note without a message', '{type: note}', /message is missing/],
    ['allow with a reason', '{type: allow, reason: x}', /reason is not a field of the allow action/],
    ['emit without a title', '{type: emit, data: {}}', /title is missing/],
    ['emit with a two-line title', '{type: emit, title: "a\\nb"}', /title must be one line/],
    ['emit setting caused_by', '{type: emit, title: t, caused_by: x}', /caused_by is not a field of the emit action/],
    ['emit with data that is a list', '{type: emit, title: t, data: [1]}', /data must be a JSON object/],
    ['emit with a bad status', '{type: emit, title: t, status: done}', /status must be one of/],
    ['task without a task name', '{type: task, payload: {}}', /task is missing/],
    ['task with a bad priority', '{type: task, task: t, priority: urgent}', /priority must be one of critical, high, normal, low/],
    ['task with a list payload', '{type: task, task: t, payload: [1]}', /payload must be a JSON object/],
    ['webhook without a url', '{type: webhook}', /url is missing/],
    ['webhook with a url that is not http', '{type: webhook, url: "ftp://x"}', /is not an http\(s\) URL/],
    ['webhook with a bad method', '{type: webhook, url: "https://x.test", method: FETCH}', /method must be one of/],
    ['webhook with numeric headers', '{type: webhook, url: "https://x.test", headers: {a: 1}}', /headers must map header names to strings/],
  ];
  it.each(actions)('RULE_BAD_ACTION: %s', async (_name, action, message) => {
    const e = await failure('r.yaml', `id: a\nactions: [${action}]`);
    expect(e.code).toBe('RULE_BAD_ACTION');
    expect(e.message).toMatch(/r\.yaml: rule "a": /);
    expect(e.message).toMatch(message);
  });

  it('reaction actions get their defaults', async () => {
    const [r] = await readRuleFiles(file('r.yaml', 'id: x\nactions: [{type: task, task: backup}, {type: webhook, url: "http://127.0.0.1:9/x", method: put}]'));
    expect(r.doc.actions).toEqual([
      { type: 'task', task: 'backup', payload: {}, priority: 'normal' },
      { type: 'webhook', url: 'http://127.0.0.1:9/x', method: 'PUT' },
    ]);
  });
});
