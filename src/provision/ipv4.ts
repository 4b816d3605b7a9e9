/**
 * IPv4 addresses as unsigned 32-bit numbers, and the networks and ranges the cluster's addresses
 * are checked against. Parsing never throws: malformed text gives `undefined`.
 */

/** One decimal octet, without leading zeros (`010` would be read as octal by some tools). */
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';

/** A dotted-quad IPv4 address. */
export const IPV4_PATTERN = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
/** An IPv4 network in CIDR form, such as 192.168.56.0/24. */
export const CIDR_PATTERN = new RegExp(`^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?\\d)$`);
/** An inclusive range of addresses, `first-last`, as MetalLB's `ip_range` takes it. */
export const IPV4_RANGE_PATTERN = new RegExp(`^${OCTET}(\\.${OCTET}){3}-${OCTET}(\\.${OCTET}){3}$`);

/** An IPv4 network: its first address and prefix length. */
export interface Ipv4Network {
  readonly base: number;
  readonly prefix: number;
}

/** An inclusive range of IPv4 addresses. */
export interface Ipv4Range {
  readonly first: number;
  readonly last: number;
}

export function parseIpv4(text: string): number | undefined {
  if (!IPV4_PATTERN.test(text)) return undefined;
  return text.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

export function formatIpv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** A network as written; `base` may have host bits set (see {@link isNetworkAligned}). */
export function parseCidr(text: string): Ipv4Network | undefined {
  if (!CIDR_PATTERN.test(text)) return undefined;
  const [address = '', prefix = ''] = text.split('/');
  const base = parseIpv4(address);
  return base === undefined ? undefined : { base, prefix: Number(prefix) };
}

export function parseIpv4Range(text: string): Ipv4Range | undefined {
  if (!IPV4_RANGE_PATTERN.test(text)) return undefined;
  const [first, last] = text.split('-').map(parseIpv4);
  return first === undefined || last === undefined ? undefined : { first, last };
}

export function networkSize(network: Ipv4Network): number {
  return 2 ** (32 - network.prefix);
}

/** The network's first address (host bits cleared). */
export function networkBase(network: Ipv4Network): number {
  const size = networkSize(network);
  return Math.floor(network.base / size) * size;
}

/** Whether the address written before the slash is the network's first address. */
export function isNetworkAligned(network: Ipv4Network): boolean {
  return networkBase(network) === network.base;
}

export function broadcastAddress(network: Ipv4Network): number {
  return networkBase(network) + networkSize(network) - 1;
}

export function formatCidr(network: Ipv4Network): string {
  return `${formatIpv4(networkBase(network))}/${network.prefix}`;
}

/** The netmask in dotted form, as Vagrant's `netmask:` option takes it. */
export function netmask(network: Ipv4Network): string {
  return formatIpv4(2 ** 32 - networkSize(network));
}

/** Whether `address` lies in `network` (its base and broadcast addresses included). */
export function networkContains(network: Ipv4Network, address: number): boolean {
  return address >= networkBase(network) && address <= broadcastAddress(network);
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function rangeContains(range: Ipv4Range, address: number): boolean {
  return address >= range.first && address <= range.last;
}

/** `192.168.56.11` for a range of one, else `192.168.56.21-192.168.56.23`. */
export function formatIpv4Range(range: Ipv4Range): string {
  return range.first === range.last
    ? formatIpv4(range.first)
    : `${formatIpv4(range.first)}-${formatIpv4(range.last)}`;
}
