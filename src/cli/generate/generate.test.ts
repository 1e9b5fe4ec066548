import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli } from '../../testing/cli.js';
import { buildProgram } from '../program.js';
import { COMPLETION_FILES, generatedFiles, manList } from './index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const files = generatedFiles(await buildProgram());
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

describe('completions and man pages are generated from the command tree', () => {
  it('are up to date: run `npm run generate` after changing commands, flags or config keys', () => {
    for (const [path, text] of Object.entries(files)) expect(readFileSync(`${ROOT}${path}`, 'utf8'), path).toBe(text);
    const shipped = ['man', 'completions'].flatMap((dir) => readdirSync(`${ROOT}${dir}`).filter((n) => n !== 'README.md').map((n) => `${dir}/${n}`));
    expect(shipped.sort()).toEqual(Object.keys(files).sort());
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { man: string[]; files: string[] };
    expect(pkg.man).toEqual(manList(files));
    expect(pkg.files).toEqual(expect.arrayContaining(['man', 'completions']));
  });

  it('has logline.1, a page per noun and the config page, each with the options of its commands', () => {
    const names = Object.keys(files).filter((p) => p.startsWith('man/'));
    expect(names).toEqual(expect.arrayContaining(['man/logline.1', 'man/logline-node.1', 'man/logline-config.1', 'man/logline-config.5']));
    expect(files['man/logline-node.1']).toContain('\\fB\\-\\-foreground\\fR');
    for (const key of ['token_rate', 'LOGLINE_TOKEN_RATE', 'listen']) expect(files['man/logline-config.5']).toContain(key.replace(/-/g, '\\-'));
  });

  it('render with groff -ww and man --warnings without a warning, every page', () => {
    expect(has('groff') && has('man'), 'groff and man are needed (.ci/run installs them)').toBe(true);
    for (const page of manList(files)) {
      const groff = spawnSync('groff', ['-ww', '-z', '-man', page], { cwd: ROOT, encoding: 'utf8' });
      expect(groff.status, page).toBe(0);
      expect(groff.stderr, page).toBe('');
    }
    const man = (page: string) => spawnSync('man', ['--warnings', '-l', page], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
    for (const page of manList(files)) {
      const r = man(page);
      expect(r.status, page).toBe(0);
      expect(r.stderr, page).toBe('');
    }
    expect(man('./man/logline.1').stdout).toMatch(/GLOBAL OPTIONS[\s\S]*--tenant[\s\S]*EXIT STATUS/);
    expect(man('./man/logline-config.5').stdout).toMatch(/token_rate[\s\S]*LOGLINE_TOKEN_RATE/);
  });

  it('`logline completion <shell>` prints the shipped scripts', () => {
    for (const [shell, path] of Object.entries(COMPLETION_FILES)) {
      const r = cli(['completion', shell]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(readFileSync(`${ROOT}${path}`, 'utf8'));
    }
    expect(cli(['completion', 'tcsh']).code).toBe(2);
  });
});

/** What bash's completion offers for the words typed so far (the last one being completed). */
function bashComplete(...words: string[]): string[] {
  const script = `source ${COMPLETION_FILES.bash}
complete -p logline >/dev/null || exit 9
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=()
_logline
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bash exited ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

describe('the bash completion, loaded in a real bash', () => {
  it('completes commands and subcommands', () => {
    expect(bashComplete('logline', 'ti')).toEqual(['timeline']);
    expect(bashComplete('logline', '--home', '/tmp/h', 'node', 'st').sort()).toEqual(['start', 'status', 'stop']);
    expect(bashComplete('logline', '')).toEqual(expect.arrayContaining(['log', 'config', 'tail', 'top', 'completion']));
  });

  it('completes flags: the command\'s own and the global ones', () => {
    expect(bashComplete('logline', 'node', 'start', '--fo')).toEqual(['--foreground']);
    expect(bashComplete('logline', 'tail', '--fo')).toEqual(['--follow']);
    expect(bashComplete('logline', 'log', 'x', '--ten')).toEqual(['--tenant']);
  });

  it('completes the values of flags and arguments that have a fixed set', () => {
    expect(bashComplete('logline', 'timeline', '--status', '').sort()).toEqual(['executed', 'ghost', 'reverted', 'simulated']);
    expect(bashComplete('logline', 'config', 'get', 'token_')).toEqual(['token_rate', 'token_body_limit']);
    expect(bashComplete('logline', 'completion', 'f')).toEqual(['fish']);
    expect(bashComplete('logline', 'import', 'packag').sort()).toEqual(['package-lock.json', 'package.json']);
  });
});

describe('the zsh and fish completions', () => {
  it.skipIf(!has('zsh'))('zsh parses the script', () => {
    const r = spawnSync('zsh', ['-n', COMPLETION_FILES.zsh], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!has('fish'))('fish completes a subcommand and a flag', () => {
    const run = (line: string) => spawnSync('fish', ['--no-config', '-c', `source ${COMPLETION_FILES.fish}; complete -C '${line}'`], { cwd: ROOT, encoding: 'utf8' }).stdout;
    expect(run('logline node st').split('\n').map((l) => l.split('\t')[0]).filter(Boolean).sort()).toEqual(['start', 'status', 'stop']);
    expect(run('logline node start --fo')).toMatch(/^--foreground\t/);
  });
});
