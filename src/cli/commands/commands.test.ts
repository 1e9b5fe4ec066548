/**
 * The command tree, walked: every command has a description, every flag and argument a help line, and every
 * command that prints data prints JSON with --json (run for real, in a temp home).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, initHome, tempDir } from '../../testing/cli.js';
import { buildProgram } from '../program.js';

/** Leaf commands by path ("node start"), depth first. */
function leaves(cmd: Command, path: string[] = []): { path: string; cmd: Command }[] {
  return cmd.commands.flatMap((c) => (c.commands.length === 0 ? [{ path: [...path, c.name()].join(' '), cmd: c }] : leaves(c, [...path, c.name()])));
}

describe('the command tree', () => {
  it('every command has a description, every flag and argument a help line', async () => {
    const walk = (cmd: Command, path: string): void => {
      for (const sub of cmd.commands) {
        const where = `${path} ${sub.name()}`.trim();
        expect(sub.description(), where).not.toBe('');
        for (const opt of sub.options) expect(opt.description, `${where} ${opt.flags}`).not.toBe('');
        for (const arg of sub.registeredArguments) expect(arg.description, `${where} <${arg.name()}>`).not.toBe('');
        walk(sub, where);
      }
    };
    const program = await buildProgram();
    for (const opt of program.options) expect(opt.description, opt.flags).not.toBe('');
    walk(program, '');
  });

  it('--json is a global flag, so every command takes it', async () => {
    expect((await buildProgram()).options.map((o) => o.long)).toContain('--json');
  });
});

type Output = 'json' | 'ndjson' | 'script';
/** A command run with --json: its arguments (`@name`: a fact an earlier command printed), another home than h's, its exit code when not 0. */
interface Sample { args: string[]; output: Output; env?: NodeJS.ProcessEnv; home?: () => string; code?: number }

describe('--json on every command that prints data', () => {
  let h: ReturnType<typeof initHome>;
  let other: ReturnType<typeof tempDir>;
  const facts: Record<string, string> = {};
  beforeAll(() => {
    h = initHome('dan', 'acme');
    other = tempDir();
    const r = cli(['--home', join(other.dir, 'b'), '--json', 'init', '--handle', 'bob']);
    facts.peer = JSON.parse(r.stdout).identity.peerId;
    facts.span = JSON.parse(h.run(['log', 'first', '--json']).stdout).id;
    facts.file = join(other.dir, 'spans.ndjson');
    writeFileSync(facts.file, h.run(['export']).stdout);
    facts.rules = join(other.dir, 'rules.yaml');
    writeFileSync(facts.rules, 'rules:\n  - id: echo\n    condition: { type: contains_text, field: title, text: alarm }\n    actions:\n      - { type: emit, title: echoed }\n');
    facts.backup = join(other.dir, 'backup.tar');
  });
  afterAll(async () => {
    h.run(['node', 'stop']);
    h.cleanup();
    other.cleanup();
  });

  /** Known commands, in the order they run; each must print JSON (or NDJSON, or a script that is not data). */
  const samples = (): [string, Sample][] => [
    ['version', { args: [], output: 'json' }],
    ['paths', { args: [], output: 'json' }],
    ['id show', { args: [], output: 'json' }],
    ['id list', { args: [], output: 'json' }],
    ['id create', { args: ['--handle', 'eve'], output: 'json' }],
    ['id use', { args: ['dan'], output: 'json' }],
    ['tenant create', { args: ['Second One'], output: 'json' }],
    ['tenant list', { args: [], output: 'json' }],
    ['tenant show', { args: [], output: 'json' }],
    ['member add', { args: ['eve'], output: 'json' }],
    ['member role', { args: ['eve', 'viewer'], output: 'json' }],
    ['member list', { args: [], output: 'json' }],
    ['member remove', { args: ['eve'], output: 'json' }],
    ['log', { args: ['hello'], output: 'json' }],
    ['span show', { args: [facts.span], output: 'json' }],
    ['timeline', { args: [], output: 'json' }],
    ['search', { args: ['hello'], output: 'json' }],
    ['export', { args: [], output: 'ndjson' }],
    ['import', { args: [facts.file], output: 'json' }],
    ['verify', { args: [], output: 'json' }],
    ['tail', { args: ['-n', '2'], output: 'ndjson' }],
    ['top', { args: ['--interval', '0.1'], output: 'json' }],
    ['run', { args: ['--', 'true'], output: 'json' }],
    ['rules add', { args: [facts.rules], output: 'json' }],
    ['rules list', { args: [], output: 'json' }],
    ['rules show', { args: ['echo'], output: 'json' }],
    ['rules history', { args: ['echo'], output: 'json' }],
    ['rules test', { args: ['--span', '{"title":"alarm"}', '--phase', 'reaction'], output: 'json' }],
    ['rules disable', { args: ['echo'], output: 'json' }],
    ['task add', { args: ['emit', '--payload', '{"title":"later"}', '--at', '+1h'], output: 'json' }],
    ['task list', { args: [], output: 'json' }],
    ['task show', { args: ['@task'], output: 'json' }],
    ['task cancel', { args: ['@task'], output: 'json' }],
    ['task retry', { args: ['@task'], output: 'json' }],
    ['schedule add', { args: ['0 3 * * *', 'emit', '--payload', '{"title":"nightly"}'], output: 'json' }],
    ['schedule list', { args: [], output: 'json' }],
    ['schedule remove', { args: ['@schedule'], output: 'json' }],
    ['plugin list', { args: [], output: 'json' }],
    ['doctor', { args: [], output: 'json' }],
    ['backup', { args: [facts.backup], output: 'json' }],
    ['restore', { args: [facts.backup], output: 'json', home: () => join(other.dir, 'restored') }],
    ['config list', { args: [], output: 'json' }],
    ['config get', { args: ['tenant'], output: 'json' }],
    ['config set', { args: ['mdns', 'false'], output: 'json' }],
    ['config unset', { args: ['mdns'], output: 'json' }],
    ['token create', { args: ['--role', 'reader'], output: 'json' }],
    ['token list', { args: [], output: 'json' }],
    ['token revoke', { args: ['@token'], output: 'json' }],
    ['peer trust', { args: [facts.peer], output: 'json' }],
    ['peer list', { args: [], output: 'json' }],
    ['peer untrust', { args: [facts.peer], output: 'json' }],
    ['peer add', { args: [`/ip4/127.0.0.1/tcp/9/p2p/${facts.peer}`], output: 'json' }],
    ['peer remove', { args: [facts.peer], output: 'json' }],
    ['node install-service', { args: ['--stdout'], output: 'json' }],
    ['node status', { args: [], output: 'json', code: 3 }], // stopped
    ['node start', { args: ['--listen', '/ip4/127.0.0.1/tcp/0'], output: 'json' }],
    ['node restart', { args: ['--listen', '/ip4/127.0.0.1/tcp/0'], output: 'json' }],
    ['invite create', { args: [], output: 'json' }],
    ['join', { args: ['@invite'], output: 'json', home: () => join(other.dir, 'b') }],
    ['sync', { args: [], output: 'json' }],
    ['node stop', { args: [], output: 'json' }],
    ['init', { args: [], output: 'json' }],
    ['completion', { args: ['bash'], output: 'script' }],
  ];

  it('prints JSON for each, run for real and succeeding; every command of the tree is in the list', async () => {
    const known = new Map(samples());
    // a command added to the tree needs a sample here: that it prints JSON is checked, not assumed
    expect(leaves(await buildProgram()).map((l) => l.path).filter((p) => !known.has(p)), 'commands without a sample').toEqual([]);
    for (const [path, s] of known) {
      const args = s.args.map((a) => (a.startsWith('@') ? facts[a.slice(1)] : a));
      // init needs a fresh home; restore and join run on other homes; every other command runs on h
      const r = path === 'init' ? cli(['--home', join(other.dir, 'c'), '--json', 'init'])
        : s.home ? cli(['--home', s.home(), '--json', ...path.split(' '), ...args], { env: s.env })
        : h.run(['--json', ...path.split(' '), ...args], { env: s.env });
      expect(r.code, `${path}: ${r.stdout}${r.stderr}`).toBe(s.code ?? 0);
      expect(r.stdout, `${path}: ${r.stderr}`).not.toBe('');
      if (s.output === 'json') expect(() => JSON.parse(r.stdout), `${path} prints JSON`).not.toThrow();
      if (s.output === 'ndjson') for (const line of r.stdout.trim().split('\n')) expect(() => JSON.parse(line), `${path}: ${line}`).not.toThrow();
      expect(r.stdout, path).not.toContain('\x1b');
      if (path === 'token create') facts.token = JSON.parse(r.stdout).id;
      if (path === 'task add') facts.task = String(JSON.parse(r.stdout).id);
      if (path === 'schedule add') facts.schedule = String(JSON.parse(r.stdout).id);
      if (path === 'invite create') facts.invite = JSON.parse(r.stdout).token;
    }
  });

  it('an error is the JSON envelope on stdout, with the code and hint', () => {
    const r = h.run(['--json', 'join', 'llinv1.not-a-token']);
    expect(r.code).toBe(2); // not a token at all: a usage error
    expect(JSON.parse(r.stdout)).toEqual({ error: expect.objectContaining({ code: 'INVITE_MALFORMED', hint: expect.any(String) }) });
  });
});
