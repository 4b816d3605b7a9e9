/**
 * Reads served by each DB node, summed over the web workers: their /metrics (asked directly, as
 * Prometheus does, not through the proxy) count `quire_db_reads_total` by pool, `primary` or
 * `replica-<n>` (n = the node's ordinal, the order of quire serve's --replica flags).
 */
import { get } from 'node:http';

/** `quire_db_reads_total` by pool, from Prometheus text. */
export function parseReadCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(
    /^quire_db_reads_total\{[^}]*pool="([^"]+)"[^}]*\}\s+(\d+(?:\.\d+)?)/gm,
  )) {
    const [, pool = '', value = '0'] = match;
    counts.set(pool, (counts.get(pool) ?? 0) + Number(value));
  }
  return counts;
}

function metricsText(port: number): Promise<string> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/metrics', timeout: 2000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve(response.statusCode === 200 ? text : '');
      });
    });
    request.on('timeout', () => {
      request.destroy();
    });
    request.on('error', () => {
      resolve('');
    });
  });
}

/** Reads per DB ordinal (0 the primary), summed over the workers on `ports` that answer. */
export async function readCountsByOrdinal(ports: readonly number[]): Promise<Map<number, number>> {
  const byOrdinal = new Map<number, number>();
  for (const text of await Promise.all(ports.map(metricsText))) {
    for (const [pool, count] of parseReadCounts(text)) {
      const ordinal = pool === 'primary' ? 0 : Number(/^replica-(\d+)$/.exec(pool)?.[1] ?? Number.NaN);
      if (Number.isInteger(ordinal)) byOrdinal.set(ordinal, (byOrdinal.get(ordinal) ?? 0) + count);
    }
  }
  return byOrdinal;
}
