import { describe, expect, it } from 'vitest';
import {
  formatGtidList,
  gtidCovers,
  mergeGtidTokens,
  parseGtidList,
  toGtidToken,
  type GtidToken,
} from '../../src/db/gtid.js';

describe('parseGtidList', () => {
  it.each([
    { text: '', list: [] },
    { text: '  ', list: [] },
    { text: '0-100-42', list: [{ domain: 0, serverId: 100, seq: 42n }] },
    {
      text: '0-100-42,1-101-7',
      list: [
        { domain: 0, serverId: 100, seq: 42n },
        { domain: 1, serverId: 101, seq: 7n },
      ],
    },
    { text: ' 2-1-18446744073709551615 ', list: [{ domain: 2, serverId: 1, seq: 18446744073709551615n }] },
  ])('reads "$text"', ({ text, list }) => {
    expect(parseGtidList(text)).toEqual(list);
  });

  it.each([
    { text: '0-100', error: '"0-100" is not a GTID' },
    { text: '0-100-x', error: '"0-100-x" is not a GTID' },
    { text: "0-100-1'; DROP TABLE t; --", error: 'is not a GTID' },
    { text: '0-100-18446744073709551616', error: 'is not a GTID' },
    { text: '4294967296-1-1', error: 'is not a GTID' },
    { text: '0-1-1,0-2-2', error: 'domain 0 appears twice' },
  ])('rejects "$text"', ({ text, error }) => {
    expect(() => parseGtidList(text)).toThrow(error);
  });
});

describe('formatGtidList and toGtidToken', () => {
  it('prints by domain, as MariaDB does', () => {
    expect(formatGtidList(parseGtidList('1-101-7,0-100-42'))).toBe('0-100-42,1-101-7');
  });

  it.each([
    { text: '0-100-42', token: '0-100-42' },
    { text: ' 1-1-1,0-1-2 ', token: '0-1-2,1-1-1' },
    { text: '', token: undefined },
    { text: undefined, token: undefined },
    { text: null, token: undefined },
    { text: 'nonsense', token: undefined },
  ])('turns $text into $token', ({ text, token }) => {
    expect(toGtidToken(text)).toBe(token);
  });
});

describe('gtidCovers', () => {
  it.each([
    { position: '0-100-5', target: '0-100-5', covers: true },
    { position: '0-100-6', target: '0-100-5', covers: true },
    { position: '0-100-4', target: '0-100-5', covers: false },
    { position: '', target: '0-100-1', covers: false },
    { position: '0-100-9', target: '', covers: true },
    { position: '0-100-9', target: '0-100-5,1-100-1', covers: false },
    { position: '0-100-9,1-100-3', target: '0-100-5,1-100-1', covers: true },
    // Another server id in the same domain: the sequence decides (gtid_strict_mode keeps it rising).
    { position: '0-101-9', target: '0-100-5', covers: true },
  ])('$position covers $target: $covers', ({ position, target, covers }) => {
    expect(gtidCovers(parseGtidList(position), parseGtidList(target))).toBe(covers);
  });
});

describe('mergeGtidTokens', () => {
  const token = (text: string): GtidToken => text as GtidToken;
  it.each([
    { a: undefined, b: undefined, merged: undefined },
    { a: '0-100-5', b: undefined, merged: '0-100-5' },
    { a: undefined, b: '0-100-5', merged: '0-100-5' },
    { a: '0-100-5', b: '0-100-9', merged: '0-100-9' },
    { a: '0-100-9,1-100-1', b: '0-100-5,1-100-4', merged: '0-100-9,1-100-4' },
    // A session that wrote on the old primary (100), then on the new one (101) after a failover.
    { a: '0-100-57', b: '0-101-58', merged: '0-101-58' },
  ])('$a and $b give $merged', ({ a, b, merged }) => {
    expect(
      mergeGtidTokens(a === undefined ? undefined : token(a), b === undefined ? undefined : token(b)),
    ).toBe(merged);
  });
});
