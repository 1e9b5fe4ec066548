import { base58Decode } from '../identity/base58.js';
import { didFromPublicKey } from '../identity/did-key.js';

const PREFIX = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
const P2P = /\/p2p\/(12D3KooW[1-9A-HJ-NP-Za-km-z]{44})$/;

/** The did:key of an ed25519 libp2p peer id (`12D3KooW…`), or null for any other peer id. */
export function didFromPeerId(peerId: string): string | null {
  const bytes = base58Decode(peerId);
  if (bytes === null || bytes.length !== 38 || PREFIX.some((b, i) => bytes[i] !== b)) return null;
  return didFromPublicKey(bytes.subarray(6));
}

/** The peer id at the end of a multiaddr (`…/p2p/12D3KooW…`), or null. */
export function peerIdOfMultiaddr(addr: string): string | null {
  return P2P.exec(addr)?.[1] ?? null;
}
