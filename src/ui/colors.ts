/** Colours of the live views (ink colour names), one place for all of them. */
export const STATUS_COLORS: Record<string, string> = { executed: 'green', simulated: 'cyan', reverted: 'yellow', ghost: 'gray' };

/** A peer id short enough for a column: 12D3KooW…last6. */
export function shortPeer(peer: string): string {
  return peer.length > 20 ? `${peer.slice(0, 8)}…${peer.slice(-6)}` : peer;
}
