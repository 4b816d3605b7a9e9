/**
 * MariaDB GTID positions (`domain-server-sequence`, comma-separated, one per replication domain):
 * parsing, comparing and merging. A position taken after a write is the read-your-writes token a
 * session carries to its next reads. See https://mariadb.com/kb/en/gtid/.
 */

export interface Gtid {
  readonly domain: number;
  readonly serverId: number;
  /** 64-bit sequence number. */
  readonly seq: bigint;
}

/** A GTID position as MariaDB prints it (e.g. `0-100-42`), checked; what a session stores after a write. */
export type GtidToken = string & { readonly __brand: 'GtidToken' };

const GTID = /^(\d{1,10})-(\d{1,10})-(\d{1,20})$/;
const U32 = 0xffff_ffff;
const U64 = (1n << 64n) - 1n;

/** Parse a GTID list; '' is the empty position. Throws a RangeError naming the bad part. */
export function parseGtidList(text: string): Gtid[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const seen = new Set<number>();
  return trimmed.split(',').map((part) => {
    const match = GTID.exec(part.trim());
    const domain = Number(match?.[1]);
    const serverId = Number(match?.[2]);
    const seq = match?.[3] === undefined ? -1n : BigInt(match[3]);
    if (match === null || domain > U32 || serverId > U32 || seq > U64 || seq < 0n) {
      throw new RangeError(`"${part}" is not a GTID (domain-server-sequence, e.g. 0-100-42) in "${text}"`);
    }
    if (seen.has(domain)) throw new RangeError(`domain ${domain} appears twice in GTID position "${text}"`);
    seen.add(domain);
    return { domain, serverId, seq };
  });
}

/** Print a GTID list as MariaDB does, ordered by domain. */
export function formatGtidList(list: readonly Gtid[]): string {
  return [...list]
    .sort((a, b) => a.domain - b.domain)
    .map((gtid) => `${gtid.domain}-${gtid.serverId}-${gtid.seq}`)
    .join(',');
}

/** A token from a stored string (a cookie, a header): undefined when empty or not a GTID position. */
export function toGtidToken(text: string | undefined | null): GtidToken | undefined {
  if (text === undefined || text === null) return undefined;
  try {
    const list = parseGtidList(text);
    return list.length === 0 ? undefined : (formatGtidList(list) as GtidToken);
  } catch {
    return undefined;
  }
}

/** Whether `position` includes every transaction of `target` (per domain, a sequence at least as high). */
export function gtidCovers(position: readonly Gtid[], target: readonly Gtid[]): boolean {
  const reached = new Map(position.map((gtid) => [gtid.domain, gtid.seq]));
  return target.every((gtid) => (reached.get(gtid.domain) ?? -1n) >= gtid.seq);
}

/** The later of two tokens, per domain (a session that wrote twice waits for both writes). */
export function mergeGtidTokens(a: GtidToken | undefined, b: GtidToken | undefined): GtidToken | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const merged = new Map<number, Gtid>();
  for (const gtid of [...parseGtidList(a), ...parseGtidList(b)]) {
    const current = merged.get(gtid.domain);
    if (current === undefined || gtid.seq > current.seq) merged.set(gtid.domain, gtid);
  }
  return formatGtidList([...merged.values()]) as GtidToken;
}
