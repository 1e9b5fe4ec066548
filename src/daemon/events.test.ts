import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Home } from '../node/home.js';
import { openDb } from '../store/db.js';
import { SpansRepo } from '../store/spans-repo.js';
import { initHome } from '../testing/cli.js';
import { EventHub, type EventFormat, type Subscriber } from './events.js';

/** The hub on a real store: what each subscriber gets, by filters and format, and what its chunks share. */
describe('event hub', () => {
  let h: ReturnType<typeof initHome>;
  let home: Home;
  let hub: EventHub;
  beforeAll(() => {
    h = initHome('eve', 'a');
    expect(h.run(['tenant', 'create', 'b']).code).toBe(0);
    home = new Home({ home: h.home });
    hub = new EventHub(home.repo);
    hub.start();
  });
  afterAll(async () => {
    hub.stop();
    await home.close();
    h.cleanup();
  });

  const listen = (filters: Subscriber['filters'], format: EventFormat = 'ndjson', accept = true) => {
    const sub = { chunks: [] as Buffer[], closed: false, unsubscribe: () => {}, text: () => sub.chunks.map((c) => c.toString()).join('') };
    sub.unsubscribe = hub.subscribe({ filters, format, send: (c) => { sub.chunks.push(c); return accept; }, close: () => { sub.closed = true; } });
    return sub;
  };
  /** Every delivery of the pump under way is made (slices of subscribers are served one event-loop turn apart). */
  const settle = () => new Promise((r) => setTimeout(r, 50));

  it('subscribers with the same filters and format share one chunk; others get their own spans, framed their way', async () => {
    const a1 = listen({ tenant: 'a' });
    const a2 = listen({ tenant: 'a' });
    const sse = listen({ tenant: 'a' }, 'sse');
    const tagged = listen({ tags: ['x'] });
    const b = listen({ tenant: 'b' });
    const signer = home.signer();
    home.timeline.append([{ tenant: 'a', title: 'one' }, { tenant: 'b', title: 'two', tags: ['x'] }, { tenant: 'a', title: 'three', tags: ['x'] }], signer);
    hub.pump();
    await settle();

    expect(a1.chunks).toHaveLength(1);
    expect(a2.chunks[0]).toBe(a1.chunks[0]); // the same buffer, not a copy
    const titles = (text: string) => text.trim().split('\n').map((l) => (JSON.parse(l) as { span: { title: string } }).span.title);
    expect(titles(a1.text())).toEqual(['one', 'three']);
    expect(titles(tagged.text())).toEqual(['two', 'three']);
    expect(titles(b.text())).toEqual(['two']);
    expect(sse.text()).toMatch(/^event: span\ndata: \{.*"title":"one".*\}\n\nevent: span\ndata: \{.*"title":"three".*\}\n\n$/);

    // a pump with nothing for a subscriber writes nothing to it
    home.timeline.append([{ tenant: 'b', title: 'four' }], signer);
    hub.pump();
    await settle();
    expect([a1.chunks.length, sse.chunks.length, tagged.chunks.length, b.chunks.length]).toEqual([1, 1, 1, 2]);
    for (const s of [a1, a2, sse, tagged, b]) s.unsubscribe();
  });

  it('a subscriber that refuses a chunk is dropped and closed; the others go on', async () => {
    const slow = listen({ tenant: 'a' }, 'ndjson', false);
    const fine = listen({ tenant: 'a' });
    home.timeline.append([{ tenant: 'a', title: 'five' }], home.signer());
    hub.pump();
    await settle();
    expect(slow.closed).toBe(true);
    expect(hub.size).toBe(1);
    home.timeline.append([{ tenant: 'a', title: 'six' }], home.signer());
    hub.pump();
    await settle();
    expect(slow.chunks).toHaveLength(1);
    expect(fine.chunks.map((c) => (JSON.parse(c.toString()) as { span: { title: string } }).span.title)).toEqual(['five', 'six']);
    fine.unsubscribe();
  });

  it('does nothing once stopped, even with a pump asked for after its store closed', () => {
    const db = openDb(home.paths.db);
    const stopped = new EventHub(new SpansRepo(db));
    stopped.start();
    stopped.stop();
    db.close(); // a daemon closes its store after the hub; a pump scheduled before that may still come
    expect(() => stopped.pump()).not.toThrow();
  });
});
