import { describe, expect, it } from 'vitest';
import {
  broadcastAddress,
  formatCidr,
  formatIpv4,
  formatIpv4Range,
  isNetworkAligned,
  netmask,
  networkContains,
  parseCidr,
  parseIpv4,
  parseIpv4Range,
  rangesOverlap,
} from '../../src/provision/ipv4.js';

describe('parseIpv4', () => {
  it.each([
    ['192.168.56.11', 3_232_249_867],
    ['0.0.0.0', 0],
    ['255.255.255.255', 4_294_967_295],
  ])('%s → %d and back', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(formatIpv4(value)).toBe(text);
  });

  it.each([
    '192.168.56',
    '192.168.56.256',
    '192.168.056.1',
    '192.168.56.1.2',
    ' 192.168.56.1',
    'a.b.c.d',
    '',
  ])('rejects %j', (text) => {
    expect(parseIpv4(text)).toBeUndefined();
  });
});

describe('networks', () => {
  it.each([
    ['192.168.56.0/24', true, '192.168.56.0/24', '192.168.56.255', '255.255.255.0'],
    ['192.168.56.5/24', false, '192.168.56.0/24', '192.168.56.255', '255.255.255.0'],
    ['10.20.0.0/16', true, '10.20.0.0/16', '10.20.255.255', '255.255.0.0'],
    ['192.168.56.0/21', true, '192.168.56.0/21', '192.168.63.255', '255.255.248.0'],
  ])('%s', (text, aligned, canonical, broadcast, mask) => {
    const network = parseCidr(text);
    if (!network) throw new Error(`${text} did not parse`);
    expect(isNetworkAligned(network)).toBe(aligned);
    expect(formatCidr(network)).toBe(canonical);
    expect(formatIpv4(broadcastAddress(network))).toBe(broadcast);
    expect(netmask(network)).toBe(mask);
  });

  it.each(['192.168.56.0', '192.168.56.0/33', '192.168.56.0/', '192.168.56.0/024x'])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('tells which addresses a network holds', () => {
    const network = parseCidr('192.168.56.0/24');
    if (!network) throw new Error('no network');
    const at = (text: string) => networkContains(network, parseIpv4(text) ?? -1);
    expect([at('192.168.56.0'), at('192.168.56.200'), at('192.168.56.255')]).toEqual([true, true, true]);
    expect([at('192.168.55.255'), at('192.168.57.0')]).toEqual([false, false]);
  });
});

describe('ranges', () => {
  it.each([
    ['192.168.56.200-192.168.56.209', '192.168.56.200-192.168.56.209'],
    ['192.168.56.7-192.168.56.7', '192.168.56.7'],
  ])('%s', (text, shown) => {
    const range = parseIpv4Range(text);
    if (!range) throw new Error(`${text} did not parse`);
    expect(formatIpv4Range(range)).toBe(shown);
  });

  it.each(['192.168.56.200/29', '192.168.56.200 - 192.168.56.209', '192.168.56.200-', '-192.168.56.1'])(
    'rejects %j',
    (text) => {
      expect(parseIpv4Range(text)).toBeUndefined();
    },
  );

  it.each([
    [[1, 3], [3, 5], true],
    [[1, 3], [4, 5], false],
    [[4, 9], [5, 6], true],
    [[5, 6], [1, 4], false],
  ] as const)('%j and %j overlap: %s', ([a1, a2], [b1, b2], overlap) => {
    expect(rangesOverlap({ first: a1, last: a2 }, { first: b1, last: b2 })).toBe(overlap);
  });
});
