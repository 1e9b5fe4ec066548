import type { Finding } from './finding.js';

export interface ChainOptions {
  /** Every chain must start at seq 1 (a whole timeline rather than a filtered export). */
  complete?: boolean;
}

type Linked = { index: number; span: { id: string; author: string; tenant: string; seq: number | null; prev: string | null } };

/**
 * The links between spans whose id and signature already hold, per (author, tenant): no gaps in `seq`, each
 * `prev` is the id at `seq - 1`, one span per seq (a second one is a fork). Adds findings; returns the chain count.
 */
export function checkChains(valid: readonly Linked[], opts: ChainOptions, findings: Finding[]): number {
  const chains = new Map<string, Linked[]>();
  for (const v of valid) {
    if (v.span.seq === null) continue;
    const key = `${v.span.author}\n${v.span.tenant}`;
    let list = chains.get(key);
    if (!list) chains.set(key, (list = []));
    list.push(v);
  }
  for (const list of chains.values()) {
    list.sort((a, b) => a.span.seq! - b.span.seq! || a.index - b.index);
    const first = list[0].span;
    if (opts.complete && first.seq !== 1) add(findings, list[0], 'CHAIN_GAP', `the chain of ${short(first.author)} in ${first.tenant} starts at seq ${first.seq}, not 1`);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      if (b.span.seq === a.span.seq) {
        if (b.span.id !== a.span.id) add(findings, b, 'CHAIN_FORK', `${short(b.span.author)} signed two spans at seq ${b.span.seq} in ${b.span.tenant}: ${a.span.id.slice(0, 12)}… and ${b.span.id.slice(0, 12)}…`);
        list.splice(i--, 1); // keep the first as the canonical one
      } else if (b.span.seq !== a.span.seq! + 1) {
        add(findings, b, 'CHAIN_GAP', `seq ${a.span.seq! + 1}–${b.span.seq! - 1} before ${b.span.id.slice(0, 12)}… are missing`);
      } else if (b.span.prev !== a.span.id) {
        add(findings, b, 'CHAIN_BROKEN_PREV', `prev of ${b.span.id.slice(0, 12)}… is not the id at seq ${a.span.seq}`);
      }
    }
  }
  return chains.size;
}

function add(findings: Finding[], at: Linked, code: string, message: string): void {
  findings.push({ index: at.index, id: at.span.id, code, message });
}

function short(did: string): string {
  return `${did.slice(0, 16)}…`;
}
