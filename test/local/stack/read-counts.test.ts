import { describe, expect, it } from 'vitest';
import { parseReadCounts } from '../../../src/local/stack/read-counts.js';

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
