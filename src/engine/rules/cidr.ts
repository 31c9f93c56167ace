/**
 * IP address and CIDR parsing (IPv4 and IPv6, compressed forms, embedded IPv4), for the open-ingress
 * predicate and the test oracle's source-ip evaluation.
 */

export interface ParsedIp {
  family: 4 | 6;
  value: bigint;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(input: string): bigint | undefined {
  let text = input.split('%')[0];
  let tail: bigint[] = [];
  // An embedded IPv4 address in the last 32 bits (::ffff:192.0.2.1).
  const lastColon = text.lastIndexOf(':');
  if (lastColon !== -1 && text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [v4 >> 16n, v4 & 0xffffn];
    const prefix = text.slice(0, lastColon + 1);
    text = prefix.endsWith('::') ? prefix : prefix.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): bigint[] | undefined => {
    if (s === '') return [];
    const groups: bigint[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      groups.push(BigInt(parseInt(g, 16)));
    }
    return groups;
  };
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (head === undefined || rest === undefined) return undefined;
  const known = head.length + rest.length + tail.length;
  let groups: bigint[];
  if (halves.length === 2) {
    if (known > 7) return undefined;
    groups = [...head, ...new Array<bigint>(8 - known).fill(0n), ...rest, ...tail];
  } else {
    if (known !== 8) return undefined;
    groups = [...head, ...tail];
  }
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** Parses an IPv4 or IPv6 address; undefined when it is neither. */
export function parseIp(text: string): ParsedIp | undefined {
  const trimmed = text.trim();
  if (trimmed.includes(':')) {
    const value = parseIpv6(trimmed);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(trimmed);
  return value === undefined ? undefined : { family: 4, value };
}

export interface ParsedCidr extends ParsedIp {
  prefixLength: number;
}

/** Parses `address/length` (a bare address is a host route). */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [address, length, ...extra] = text.trim().split('/');
  if (extra.length > 0) return undefined;
  const ip = parseIp(address);
  if (ip === undefined) return undefined;
  const bits = ip.family === 4 ? 32 : 128;
  if (length !== undefined && !/^\d{1,3}$/.test(length)) return undefined;
  const prefixLength = length === undefined ? bits : Number(length);
  if (prefixLength > bits) return undefined;
  return { ...ip, prefixLength };
}

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

/** The first and last address of a CIDR. */
export function rangeOf(c: ParsedCidr): { family: 4 | 6; first: bigint; last: bigint } {
  const hostBits = BigInt(bitsOf(c.family) - c.prefixLength);
  const size = 1n << hostBits;
  const first = (c.value >> hostBits) << hostBits;
  return { family: c.family, first, last: first + size - 1n };
}

/** Whether the CIDR is written as its network address (no host bits set), as AWS requires. */
export const isNetworkAddress = (c: ParsedCidr): boolean => rangeOf(c).first === c.value;

/** Whether every address of `inner` is inside the union of `outer` (same family). */
export function coveredBy(inner: ParsedCidr, outer: readonly ParsedCidr[]): boolean {
  const r = rangeOf(inner);
  const ranges = outer
    .filter((o) => o.family === inner.family)
    .map(rangeOf)
    .sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let next = r.first;
  for (const o of ranges) {
    if (o.first > next) break;
    if (o.last >= next) next = o.last + 1n;
    if (next > r.last) return true;
  }
  return next > r.last;
}
