import { base58Decode, base58Encode } from './base58.js';

/** Multicodec prefix of an ed25519 public key (0xed as a varint). */
const ED25519_PUB_MULTICODEC = Uint8Array.of(0xed, 0x01);
/** Identity multihash (0x00, length 36) of the libp2p protobuf PublicKey { Type: Ed25519, Data: 32 bytes }. */
const PEER_ID_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20);
const DID_KEY_PREFIX = 'did:key:z';

/** `did:key:z6Mk…` of a 32-byte ed25519 public key. */
export function didFromPublicKey(pub: Uint8Array): string {
  return DID_KEY_PREFIX + base58Encode(concat(ED25519_PUB_MULTICODEC, pub));
}

/** The 32-byte ed25519 key inside a did:key, or null if the string is not an ed25519 did:key. */
export function publicKeyFromDid(did: string): Uint8Array | null {
  if (typeof did !== 'string' || !did.startsWith(DID_KEY_PREFIX) || did.length > 64) return null;
  const bytes = base58Decode(did.slice(DID_KEY_PREFIX.length));
  if (bytes === null || bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) return null;
  return bytes.subarray(2);
}

/** The libp2p peer id (`12D3KooW…`) of the same key: one key, two encodings. */
export function peerIdFromPublicKey(pub: Uint8Array): string {
  return base58Encode(concat(PEER_ID_PREFIX, pub));
}

export function peerIdFromDid(did: string): string | null {
  const pub = publicKeyFromDid(did);
  return pub === null ? null : peerIdFromPublicKey(pub);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
