import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  loadReadTotals,
  parseReadCounts,
  ReadTally,
  saveReadTotals,
} from '../../../src/local/stack/read-counts.js';

describe('parseReadCounts', () => {
  it('takes quire_db_reads_total by pool and ignores every other metric', () => {
    const text = [
      '# HELP quire_db_reads_total Reads run, by the pool that served them (primary or a replica).',
      '# TYPE quire_db_reads_total counter',
      'quire_db_reads_total{pool="replica-1"} 12',
      'quire_db_reads_total{pool="primary"} 3',
      'quire_db_reads_total{pool="replica-2"} 0',
      'quire_db_read_fallbacks_total{reason="no_healthy_replica"} 7',
      'quire_db_gtid_waits_total{pool="replica-1",outcome="reached"} 5',
    ].join('\n');
    expect(Object.fromEntries(parseReadCounts(text))).toEqual({
      'replica-1': 12,
      primary: 3,
      'replica-2': 0,
    });
    expect(parseReadCounts('').size).toBe(0);
  });
});

const counts = (entries: Record<number, number>): Map<number, number> =>
  new Map(Object.entries(entries).map(([ordinal, count]) => [Number(ordinal), count]));

describe('ReadTally', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('never goes backwards when a worker restarts: the ended process counts on', () => {
    const tally = new ReadTally();
    tally.observe(100, counts({ 0: 1, 1: 10 }));
    expect(tally.totals()).toEqual({ 0: 1, 1: 10 });
    tally.retire(100);
    expect(tally.totals()).toEqual({ 0: 1, 1: 10 });
    // The restarted worker (same port, new pid) starts its counter at 0.
    tally.observe(200, counts({ 1: 2 }));
    expect(tally.totals()).toEqual({ 0: 1, 1: 12 });
    tally.observe(200, counts({ 1: 5 }));
    expect(tally.totals()).toEqual({ 0: 1, 1: 15 });
  });

  it('sums the live workers, each by its latest count, never lowered by an odd answer', () => {
    const tally = new ReadTally();
    tally.observe(1, counts({ 1: 4 }));
    tally.observe(2, counts({ 1: 6, 2: 1 }));
    tally.observe(1, counts({ 1: 7 }));
    tally.observe(2, counts({ 1: 3 }));
    expect(tally.totals()).toEqual({ 1: 13, 2: 1 });
    tally.retire(999); // a process never seen: nothing to keep
    expect(tally.totals()).toEqual({ 1: 13, 2: 1 });
  });

  it('starts a new process that reuses a retired pid from 0, on top of what the old one read', () => {
    const tally = new ReadTally();
    tally.observe(100, counts({ 1: 10 }));
    tally.retire(100);
    tally.observe(100, counts({ 1: 3 }));
    // Without retire the old count would hide the new process's reads (10 rather than 13).
    expect(tally.totals()).toEqual({ 1: 13 });
  });

  it('keeps its totals in a file; a new tally (the next supervisor) starts from them', () => {
    dir = mkdtempSync(join(tmpdir(), 'quire-read-counts-'));
    const file = join(dir, 'read-counts.json');
    expect(loadReadTotals(file)).toEqual({});
    const first = new ReadTally(loadReadTotals(file));
    first.observe(100, counts({ 0: 2, 1: 10 }));
    first.retire(100);
    first.observe(200, counts({ 1: 4 }));
    saveReadTotals(file, first.totals());

    const next = new ReadTally(loadReadTotals(file));
    expect(next.totals()).toEqual({ 0: 2, 1: 14 });
    next.observe(300, counts({ 1: 1 }));
    expect(next.totals()).toEqual({ 0: 2, 1: 15 });
    // What is not a count is left out rather than trusted.
    expect(new ReadTally({ 1: Number.NaN, 2: -3, 3: 7 }).totals()).toEqual({ 3: 7 });
  });
});
