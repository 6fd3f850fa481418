/**
 * The client's IP: the socket's peer address, unless that peer is a trusted proxy, in which case
 * the right-most `X-Forwarded-For` address that is not itself a trusted proxy (what the last
 * trusted hop saw). Spoofed entries further left are ignored.
 */
export function clientIp(
  socketIp: string | undefined,
  forwardedFor: string | null,
  trusted: readonly string[],
): string {
  const peer = normalise(socketIp ?? "unknown");
  if (!forwardedFor || !trusted.includes(peer)) return peer;
  const hops = forwardedFor
    .split(",")
    .map((h) => normalise(h.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i];
    if (hop && !trusted.includes(hop)) return hop;
  }
  return peer;
}

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) reads as the IPv4 address. */
function normalise(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}
