import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { cli, initHome, tempDir } from '../testing/cli.js';

type Home = ReturnType<typeof initHome>;
const json = <T>(out: string) => JSON.parse(out) as T;

function ok(h: Home, args: string[]): string {
  const r = h.run(args);
  if (r.code !== 0) throw new Error(`logline ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

describe('tenants and members through the CLI', () => {
  let h: Home;
  beforeAll(() => { h = initHome('dan', 'acme'); });
  afterAll(() => h.cleanup());

  it('creates tenants with the slugs of SPEC §5, once each', () => {
    expect(json<{ slug: string }>(ok(h, ['--json', 'tenant', 'create', 'Voulez Vous'])).slug).toBe('voulez-vous');
    expect(json<{ slug: string }>(ok(h, ['--json', 'tenant', 'create', '  ACME Labs  '])).slug).toBe('acme-labs');
    expect(json<{ slug: string }>(ok(h, ['--json', 'tenant', 'create', ''])).slug).toBe('tenant');
    const again = h.run(['tenant', 'create', 'voulez vous']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TENANT_EXISTS');
    const list = json<{ slug: string; members: number; owner: string }[]>(ok(h, ['--json', 'tenant', 'list']));
    expect(list.map((t) => t.slug)).toEqual(['acme', 'acme-labs', 'tenant', 'voulez-vous']);
    expect(list.every((t) => t.members === 1)).toBe(true);
    expect(ok(h, ['tenant', 'list'])).toMatch(/^\* acme /m);
  });

  it('refuses to log into a tenant that does not exist, with a hint', () => {
    const r = h.run(['--tenant', 'nowhere', 'log', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TENANT_UNKNOWN');
    expect(r.stderr).toContain('logline tenant create nowhere');
  });

  it('a second identity writes only once added, and only with a writing role', () => {
    const ana = json<{ did: string; handle: string }>(ok(h, ['--json', 'id', 'create', '--handle', 'ana']));
    const refused = h.run(['log', 'not yet', '--as', 'ana']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('NOT_A_MEMBER');
    ok(h, ['member', 'add', 'ana', '--role', 'viewer']);
    const viewer = h.run(['log', 'as a viewer', '--as', 'ana']);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('ROLE_FORBIDDEN');
    ok(h, ['member', 'role', 'ana', 'member']);
    const span = json<{ author: string; seq: number; logline_id: string }>(ok(h, ['--json', 'log', 'as a member', '--as', 'ana']));
    expect(span).toMatchObject({ author: ana.did, seq: 1, logline_id: 'logline-id://ana' });
    const members = json<{ did: string; role: string; handle: string | null }[]>(ok(h, ['--json', 'member', 'list']));
    expect(members.map((m) => m.role)).toEqual(['owner', 'member']);
    expect(members[1]).toMatchObject({ did: ana.did, handle: 'ana' });
    // `id use` switches the default signer; each identity keeps its own chain
    ok(h, ['id', 'use', 'ana']);
    expect(json<{ author: string; seq: number }>(ok(h, ['--json', 'log', 'ana by default'])).seq).toBe(2);
    ok(h, ['id', 'use', 'dan']);
    // a member cannot manage members; the last owner cannot leave
    const byMember = h.run(['member', 'add', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', '--as', 'ana']);
    expect(byMember.code).toBe(1);
    expect(byMember.stderr).toContain('ROLE_FORBIDDEN: a member of acme may not manage members');
    expect(h.run(['member', 'role', 'dan', 'viewer', '--as', 'ana']).stderr).toContain('ROLE_FORBIDDEN');
    expect(h.run(['member', 'remove', 'dan']).stderr).toContain('LAST_OWNER');
    ok(h, ['member', 'remove', 'ana']);
    expect(h.run(['log', 'removed', '--as', 'ana']).stderr).toContain('NOT_A_MEMBER');
    expect(ok(h, ['verify'])).toMatch(/^ok: /);
  });

  it('a token never exceeds the role of its creator', () => {
    ok(h, ['id', 'create', '--handle', 'val']);
    ok(h, ['member', 'add', 'val', '--role', 'viewer']);
    const env = { LOGLINE_IDENTITY: 'val' };
    const writer = h.run(['token', 'create', '--role', 'writer'], { env });
    expect(writer.code).toBe(1);
    expect(writer.stderr).toContain('ROLE_FORBIDDEN');
    expect(h.run(['token', 'create', '--role', 'reader'], { env }).code).toBe(0);
    ok(h, ['id', 'create', '--handle', 'nobody']);
    expect(h.run(['token', 'create', '--role', 'reader'], { env: { LOGLINE_IDENTITY: 'nobody' } }).stderr).toContain('NOT_A_MEMBER');
    expect(h.run(['token', 'create', '--role', 'writer']).code).toBe(0);
  });

  it('a span whose author the tenant later turns out not to admit is flagged by verify', () => {
    // A founds `shared`; X founds its own `shared` and admits a second identity, x2, which writes there
    const a = initHome('amy', 'shared');
    const x = initHome('xia', 'shared');
    const b = initHome('bea', 'other');
    const { dir, cleanup } = tempDir();
    try {
      ok(x, ['id', 'create', '--handle', 'x2']);
      ok(x, ['member', 'add', 'x2']);
      ok(x, ['log', 'x2 writes in xia\'s shared', '--as', 'x2']);
      const x2 = json<{ did: string }>(ok(x, ['--json', 'id', 'show', 'x2'])).did;
      const fromX2 = join(dir, 'x2.ndjson');
      const fromA = join(dir, 'a.ndjson');
      writeFileSync(fromX2, ok(x, ['export', '--tenant', 'shared', '--author', x2]));
      writeFileSync(fromA, ok(a, ['export', '--tenant', 'shared']));
      // B gets x2's span before it knows anything of `shared`: nothing to judge it by yet, so it is stored
      expect(json<{ stored: number }>(ok(b, ['--json', 'import', fromX2])).stored).toBe(1);
      expect(b.run(['verify', '--tenant', 'shared']).code).toBe(0);
      // then A's genesis: A owns `shared` here, and x2 never was a member of it
      ok(b, ['import', fromA]);
      const tenant = json<{ owner: string }>(ok(b, ['--json', 'tenant', 'show', 'shared']));
      expect(tenant.owner).toBe(json<{ did: string }>(ok(a, ['--json', 'id', 'show'])).did);
      const verify = b.run(['--json', 'verify', '--tenant', 'shared']);
      expect(verify.code).toBe(1);
      const report = json<{ findings: { code: string; author: string }[] }>(verify.stdout);
      expect(report.findings.map((f) => [f.code, f.author])).toEqual([['NOT_A_MEMBER', x2]]);
      // a new span of x2 is refused outright now that the tenant is known; X's own genesis is kept as evidence
      ok(x, ['log', 'x2 again', '--as', 'x2']);
      writeFileSync(fromX2, ok(x, ['export', '--tenant', 'shared', '--author', x2]));
      const again = json<{ rejected: { code: string }[] }>(b.run(['--json', 'import', fromX2]).stdout);
      expect(again.rejected.map((r) => r.code)).toEqual(['NOT_A_MEMBER']);
    } finally {
      for (const home of [a, x, b]) home.cleanup();
      cleanup();
    }
  });
});

it('member commands explain a bad did or an unknown handle', () => {
  const h = initHome('eve', 'acme');
  try {
    expect(cli(['--home', h.home, 'member', 'add', 'did:key:zBad']).stderr).toContain('BAD_DID');
    expect(cli(['--home', h.home, 'member', 'add', 'ghost']).stderr).toContain('MEMBER_NOT_FOUND');
    expect(cli(['--home', h.home, 'member', 'add', 'eve', '--role', 'boss']).code).toBe(2);
  } finally {
    h.cleanup();
  }
});
