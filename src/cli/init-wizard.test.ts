import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliAsync, initHome, tempDir } from '../testing/cli.js';
import { hasTmux, terminal } from '../testing/terminal.js';

/** `logline init` on a real terminal: the ink wizard asks, the command does the work. */
describe.skipIf(!hasTmux)('init wizard in a real terminal (tmux)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => { for (const c of cleanups.splice(0)) await c(); });

  function session(name: string) {
    const dirs = tempDir();
    const t = terminal(name);
    cleanups.push(() => t.close(), dirs.cleanup);
    return { t, home: join(dirs.dir, 'home') };
  }

  it('asks for a handle and a first tenant, then initialises the home', async () => {
    const { t, home } = session('wizard-create');
    t.start(['--home', home, 'init']);
    await t.waitFor('Handle of your identity');
    t.keys('C-u');
    t.keys('ana');
    await t.waitFor('identity: ana');
    t.keys('Enter');
    await t.waitFor('Create a tenant');
    t.keys('Enter');
    await t.waitFor('Name of the tenant');
    t.keys('C-u');
    t.keys('ACME Labs');
    await t.waitFor('slug: acme-labs');
    t.keys('Enter');
    const screen = await t.waitFor('exited with 0');
    expect(screen).toContain('tenant    acme-labs');
    expect(screen).toMatch(/identity {2}ana {2}did:key:z6Mk/);
    expect(readFileSync(join(home, 'config', 'config.toml'), 'utf8')).toMatch(/tenant = "acme-labs"/);
  });

  it('joins with an invitation token: a bad one is refused in place, a good one joins the inviter\'s tenant', async () => {
    const a = initHome('ann', 'acme');
    cleanups.push(() => cliAsync(['--home', a.home, 'node', 'stop']).finally(() => a.cleanup()));
    expect((await cliAsync(['--home', a.home, 'node', 'start', '--listen', '/ip4/127.0.0.1/tcp/0'])).code).toBe(0);
    const invite = await cliAsync(['--home', a.home, 'invite', 'create', '--role', 'member']);
    expect(invite.code, invite.stderr).toBe(0);
    const { t, home } = session('wizard-join');
    t.start(['--home', home, 'init']);
    await t.waitFor('Handle of your identity');
    t.keys('C-u');
    t.keys('bo');
    await t.waitFor('identity: bo');
    t.keys('Enter');
    await t.waitFor('Create a tenant');
    t.keys('Down');
    await t.waitFor('› Join a tenant');
    t.keys('Enter');
    await t.waitFor('Invitation token');
    t.keys('-l', 'llinv1.nonsense');
    t.keys('Enter');
    await t.waitFor('this is not a logline invitation');
    t.keys('C-u');
    t.keys('-l', invite.stdout.trim());
    t.keys('Enter');
    const screen = await t.waitFor('exited with', false);
    expect(screen).toMatch(/joined acme as member: \d+ spans here/);
    expect(screen).toContain('exited with 0');
    expect(readFileSync(join(home, 'config', 'config.toml'), 'utf8')).toMatch(/tenant = "acme"/);
    const members = await cliAsync(['--home', a.home, '--json', 'member', 'list']);
    expect((JSON.parse(members.stdout) as { handle: string | null }[]).map((m) => m.handle)).toContain('bo');
  });

  it('refuses a bad handle in place, and Esc cancels without writing anything', async () => {
    const { t, home } = session('wizard-cancel');
    t.start(['--home', home, 'init']);
    await t.waitFor('Handle of your identity');
    t.keys('C-u');
    t.keys('Not Valid');
    await t.waitFor('identity: Not Valid');
    t.keys('Enter');
    await t.waitFor('lower-case letters');
    t.keys('Escape');
    const screen = await t.waitFor('exited with 1');
    expect(screen).toContain('CANCELLED');
    expect(existsSync(join(home, 'config'))).toBe(false);
  });
});
