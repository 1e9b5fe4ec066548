/**
 * Every command example in the docs runs, so that the docs cannot rot. The fenced ```sh blocks of README.md and
 * docs/**.md are run in document order, one bash script per document, against a fresh temp folder (the cwd) and
 * home with the built binary as `logline`; any command that exits non-zero fails the test, naming its line.
 *
 * Markup the docs may use:
 * - ```sh no-run — a block that must not run here (two machines, another program, the set-up commands);
 * - ```yaml file=NAME (any language) — written to NAME in the cwd when the script reaches it;
 * - <!-- docs-test: COMMAND --> — a command run at that point but not shown (preparing a home for a guide).
 *
 * The environment keeps examples off the real machine: HOME and the XDG folders are in the temp folder, and
 * LOGLINE_LISTEN is 127.0.0.1 on a free port (so `logline node start` takes neither port 4141 nor 0.0.0.0).
 * Every daemon a document started is stopped after it. Rebuild (`npm run build`) after a change under src/.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../package-root.js';
import { BIN, cli, spawnAsync, tempDir } from '../testing/cli.js';

interface Step { kind: 'sh'; line: number; text: string; hidden: boolean }
interface FileStep { kind: 'file'; line: number; name: string; text: string }

const RUNNABLE = new Set(['sh']);
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);

/** The documents: README.md and every Markdown file under docs/. */
function documents(): string[] {
  const out = ['README.md'];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(PACKAGE_ROOT, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) out.push(path);
    }
  };
  walk('docs');
  return out;
}

/** The steps of a document, in order: its runnable blocks, its files and its hidden commands. */
function steps(markdown: string, doc: string): (Step | FileStep)[] {
  const lines = markdown.split('\n');
  const out: (Step | FileStep)[] = [];
  for (let i = 0; i < lines.length; i++) {
    const hidden = /^<!--\s*docs-test:\s*(.+?)\s*-->\s*$/.exec(lines[i]);
    if (hidden) {
      out.push({ kind: 'sh', line: i + 1, text: hidden[1], hidden: true });
      continue;
    }
    const open = /^(\s*)```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, lang, info] = open;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[i]); i++) body.push(lines[i].slice(indent.length));
    if (i >= lines.length) throw new Error(`${doc}:${start}: a code block is not closed`);
    const file = /(?:^|\s)file=(\S+)/.exec(info);
    if (file) out.push({ kind: 'file', line: start, name: file[1], text: `${body.join('\n')}\n` });
    else if (SHELL_LANGS.has(lang) && !RUNNABLE.has(lang)) throw new Error(`${doc}:${start}: shell examples are \`\`\`sh blocks (or \`\`\`sh no-run), not \`\`\`${lang}`);
    else if (RUNNABLE.has(lang) && !/(?:^|\s)no-run(?:\s|$)/.test(info)) out.push({ kind: 'sh', line: start, text: body.join('\n'), hidden: false });
  }
  return out;
}

/**
 * One bash script for a document: each command followed by a check of its exit status (pipefail on), so that
 * `a && b` and pipelines fail too; heredocs and `\` continuations are kept whole.
 */
function script(doc: string, all: (Step | FileStep)[]): string {
  const out = ['set -o pipefail', 'cd "$DOCS_CWD"'];
  const check = (where: string, cmd: string) =>
    `__s=$?; if [ "$__s" -ne 0 ]; then printf '%s\\n' ${shellQuote(`${where}: exit `)}"$__s"${shellQuote(`: ${cmd}`)} >&2; exit 1; fi`;
  for (const step of all) {
    if (step.kind === 'file') {
      out.push(`cat > ${shellQuote(step.name)} <<'DOCS_FILE_EOF'\n${step.text}DOCS_FILE_EOF`);
      continue;
    }
    const lines = step.text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const first = i;
      let cmd = lines[i];
      while (cmd.endsWith('\\') && i + 1 < lines.length) cmd += `\n${lines[++i]}`;
      const heredoc = /<<-?\s*'?"?(\w+)'?"?/.exec(cmd);
      if (heredoc) while (i + 1 < lines.length && lines[i + 1].trim() !== heredoc[1]) cmd += `\n${lines[++i]}`;
      if (heredoc && i + 1 < lines.length) cmd += `\n${lines[++i]}`;
      if (cmd.trim() === '' || cmd.trim().startsWith('#')) continue;
      out.push(cmd, check(`${doc}:${step.line + first + (step.hidden ? 0 : 1)}`, cmd.split('\n')[0]));
    }
  }
  return `${out.join('\n')}\n`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Stops the daemon of every home under `dir` (a folder with config/config.toml is a home). */
function stopDaemons(dir: string): void {
  const walk = (d: string, depth: number) => {
    if (depth > 4 || !existsSync(d)) return;
    if (existsSync(join(d, 'config', 'config.toml')) && existsSync(join(d, 'run', 'node.lock'))) cli(['--home', d, 'node', 'stop']);
    for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory() && !e.isSymbolicLink()) walk(join(d, e.name), depth + 1);
  };
  walk(dir, 0);
}

describe('the command examples of the docs', () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => { for (const c of cleanups) c(); });

  it('finds runnable examples, files and hidden commands, and refuses shell blocks of another language', () => {
    const md = ['# t', '<!-- docs-test: logline init -->', '```sh', 'logline log "a" \\', '  --tag x', '```', '```sh no-run', 'rm -rf /', '```',
      '```yaml file=p.yaml', 'rules: []', '```', '```js', 'x()', '```'].join('\n');
    const s = steps(md, 't.md');
    expect(s).toEqual([
      { kind: 'sh', line: 2, text: 'logline init', hidden: true },
      { kind: 'sh', line: 3, text: 'logline log "a" \\\n  --tag x', hidden: false },
      { kind: 'file', line: 10, name: 'p.yaml', text: 'rules: []\n' },
    ]);
    expect(script('t.md', s)).toContain('logline log "a" \\\n  --tag x\n__s=$?');
    expect(() => steps('```bash\nls\n```', 'b.md')).toThrow(/```sh/);
  });

  for (const doc of documents()) {
    const all = steps(readFileSync(join(PACKAGE_ROOT, doc), 'utf8'), doc);
    if (!all.some((s) => s.kind === 'sh')) continue;
    it(`${doc}: every example exits 0`, async () => {
      const { dir, cleanup } = tempDir('logline-docs-');
      cleanups.push(cleanup);
      const cwd = join(dir, 'work');
      const bin = join(dir, 'bin');
      for (const d of [cwd, bin, join(dir, 'user'), join(dir, 'xdg', 'config'), join(dir, 'xdg', 'data'), join(dir, 'xdg', 'state')]) mkdirSync(d, { recursive: true });
      writeFileSync(join(bin, 'logline'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
      chmodSync(join(bin, 'logline'), 0o755);
      const file = join(dir, 'examples.sh');
      writeFileSync(file, script(doc, all));
      const env: NodeJS.ProcessEnv = {
        PATH: `${bin}:${process.env.PATH}`, HOME: join(dir, 'user'), USER: 'dan', LANG: 'C.UTF-8', NO_COLOR: '1', DOCS_CWD: cwd,
        XDG_CONFIG_HOME: join(dir, 'xdg', 'config'), XDG_DATA_HOME: join(dir, 'xdg', 'data'), XDG_STATE_HOME: join(dir, 'xdg', 'state'),
        XDG_RUNTIME_DIR: join(dir, 'xdg', 'run'), LOGLINE_LISTEN: '/ip4/127.0.0.1/tcp/0',
      };
      try {
        const r = await spawnAsync('bash', [file], { env });
        expect(r.code, `${doc} (script ${relative(dir, file)}):\n${r.stderr.slice(-3000)}`).toBe(0);
      } finally {
        stopDaemons(dir);
      }
    }, 120_000);
  }
});
