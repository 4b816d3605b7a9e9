/**
 * `npm run bench`: the web app's throughput on a real primary + replica on loopback, measured by
 * wrk (Debian's `wrk`, a second process) at 16 connections: the home page, a post, a tag page and
 * the feed, with the page cache on and off, over 200 seeded posts. Prints a table and writes
 * docs/bench/README.md and docs/bench/results.svg. Not a timed test: numbers depend on the machine.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { format, resolveConfig } from 'prettier';
import { Registry } from 'prom-client';
import { Database, migrateToLatest } from '../src/db/index.js';
import { PACKAGE_ROOT } from '../src/util/package-root.js';
import { buildApp } from '../src/web/app.js';
import { WEB_MIGRATIONS } from '../src/web/migrations.js';
import { ensureOwner } from '../src/web/services/owner-account.js';
import { savePost } from '../src/web/services/post-editor.js';
import type { Tables } from '../src/web/tables.js';
import { eventually, rootQuery, startTestCluster } from '../test/support/local-mariadb.js';

const run = promisify(execFile);
const POSTS = 200;
const CONNECTIONS = 16;
const DURATION = process.env.QUIRE_BENCH_SECONDS ?? '5';
const PAGES: Readonly<Record<string, string>> = {
  home: '/',
  post: '/post-100',
  tag: '/tag/topic-3',
  feed: '/rss.xml',
};

interface Measurement {
  readonly page: string;
  readonly cache: 'on' | 'off';
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/** wrk prints latencies as "1.23ms", "456.00us" or "1.02s". */
function milliseconds(text: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (match?.[1] === undefined) throw new Error(`wrk printed a latency "${text}" that is not a duration`);
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

async function measure(url: string): Promise<Omit<Measurement, 'page' | 'cache'>> {
  const { stdout } = await run('wrk', [
    '-t',
    '2',
    '-c',
    String(CONNECTIONS),
    '-d',
    `${DURATION}s`,
    '--latency',
    url,
  ]);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
  const p50 = /^\s+50%\s+(\S+)/m.exec(stdout)?.[1];
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout)?.[1];
  if (rate === undefined || p50 === undefined || p99 === undefined) {
    throw new Error(`wrk's output for ${url} has no rate or latency:\n${stdout}`);
  }
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socketErrors?.slice(1).reduce((sum, n) => sum + Number(n), 0) ?? 0);
  return { requestsPerSecond: Number(rate), p50Ms: milliseconds(p50), p99Ms: milliseconds(p99), errors };
}

function svgChart(results: readonly Measurement[]): string {
  const width = 720;
  const rowHeight = 26;
  const left = 130;
  const max = Math.max(...results.map((result) => result.requestsPerSecond));
  const rows = results.map((result, index) => {
    const y = 30 + index * rowHeight;
    const bar = ((width - left - 90) * result.requestsPerSecond) / max;
    const color = result.cache === 'on' ? '#0b57d0' : '#9aa0a6';
    return [
      `<text x="${left - 8}" y="${y + 16}" text-anchor="end">${result.page}, cache ${result.cache}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${bar.toFixed(1)}" height="18" fill="${color}"/>`,
      `<text x="${(left + bar + 6).toFixed(1)}" y="${y + 16}">${Math.round(result.requestsPerSecond)} req/s</text>`,
    ].join('');
  });
  const height = 40 + results.length * rowHeight;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
<text x="${left}" y="18" font-weight="bold">Quire web app, ${CONNECTIONS} connections (wrk), requests per second</text>
${rows.join('\n')}
</svg>
`;
}

async function main(): Promise<void> {
  const cluster = await startTestCluster('bench', { replicas: 1 });
  const mediaDir = mkdtempSync(join(tmpdir(), 'quire-bench-media-'));
  const registry = new Registry();
  const replica = cluster.cluster.node(1);
  const db = await Database.connect<Tables>({
    primary: { host: cluster.app.host, port: cluster.app.port, name: 'primary' },
    replicas: [{ host: replica.host, port: replica.port, name: 'replica-1' }],
    database: cluster.app.database,
    user: cluster.app.user,
    password: cluster.app.password,
    metrics: registry,
    poolSize: 16,
  });
  const apps = [];
  try {
    await migrateToLatest(db, { migrations: WEB_MIGRATIONS });
    await ensureOwner(db, 'owner@bench.test');
    const owner = await db.writer.kysely
      .selectFrom('user')
      .select(['id', 'email', 'name', 'slug', 'role'])
      .executeTakeFirstOrThrow();
    const paragraph =
      'Quire sends every read to a replica and every write to the primary, and keeps rendered pages in memory. ';
    await db.writer.write(async (trx) => {
      for (let index = 1; index <= POSTS; index++) {
        await savePost(
          trx,
          owner,
          undefined,
          {
            kind: 'post',
            title: `Post ${index}`,
            slug: `post-${index}`,
            markdown: `## Part ${index}\n\n${paragraph.repeat(12)}\n\n- one\n- two\n\n**Bold** and *em*.`,
            excerpt: '',
            status: 'published',
            publishedAt: new Date(Date.UTC(2026, 0, 1) + index * 3_600_000),
            tags: `Topic ${index % 5}, Topic ${(index + 1) % 5}`,
          },
          new Date(),
        );
      }
    });
    await eventually('the posts on the replica', async () => {
      const rows = (await rootQuery(cluster.cluster, 1, 'SELECT COUNT(*) AS n FROM quire_app.post')) as {
        n: number;
      }[];
      return Number(rows[0]?.n) === POSTS;
    });
    const version = await db.reader.read(
      async (q) => (await sql<{ v: string }>`SELECT VERSION() AS v`.execute(q)).rows[0]?.v,
    );

    const results: Measurement[] = [];
    for (const cache of ['on', 'off'] as const) {
      const app = await buildApp({
        db,
        metrics: new Registry(),
        logger: false,
        settings: {
          publicUrl: new URL('http://bench.test'),
          sessionSecret: 'bench session secret of at least 32 characters',
          mediaDir,
          maxUploadBytes: 1024 * 1024,
          postsPerPage: 10,
          trustProxy: false,
          pageCache: { enabled: cache === 'on', maxEntries: 1000, versionCheckIntervalMs: 1000 },
        },
      });
      apps.push(app);
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      for (const [page, path] of Object.entries(PAGES)) {
        // Warm up the pools, the JIT and the cache.
        await run('wrk', ['-t', '1', '-c', '4', '-d', '1s', `${base}${path}`]);
        const measured = { page, cache, ...(await measure(`${base}${path}`)) };
        results.push(measured);
        process.stdout.write(
          `${page.padEnd(5)} cache ${cache.padEnd(3)} ${measured.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${measured.p50Ms.toFixed(2)} ms  p99 ${measured.p99Ms.toFixed(2)} ms  errors ${measured.errors}\n`,
        );
      }
    }

    const byPage = (page: string, cache: 'on' | 'off'): Measurement | undefined =>
      results.find((result) => result.page === page && result.cache === cache);
    const table = [
      '| page | cache | req/s | p50 (ms) | p99 (ms) | errors | cached ÷ uncached |',
      '| ---- | ----- | ----: | -------: | -------: | -----: | ----------------: |',
      ...results.map((result) => {
        const off = byPage(result.page, 'off');
        const ratio =
          result.cache === 'on' && off !== undefined
            ? `${(result.requestsPerSecond / off.requestsPerSecond).toFixed(1)}×`
            : '';
        return `| ${result.page} (\`${PAGES[result.page] ?? ''}\`) | ${result.cache} | ${result.requestsPerSecond.toFixed(0)} | ${result.p50Ms.toFixed(2)} | ${result.p99Ms.toFixed(2)} | ${result.errors} | ${ratio} |`;
      }),
    ].join('\n');
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Node ${process.version}, MariaDB ${version ?? 'unknown'}`;
    const load = loadavg()
      .map((value) => value.toFixed(1))
      .join(', ');
    const dir = join(PACKAGE_ROOT, 'docs', 'bench');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'results.svg'), svgChart(results));
    const readme = join(dir, 'README.md');
    // Formatted like every other file of the repository (npm run lint checks it).
    const markdown = `# Web app benchmark

\`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: a real MariaDB primary and replica on loopback, ${POSTS}
seeded posts, the app reading from the replica, [wrk](https://github.com/wg/wrk) from a second process, ${CONNECTIONS}
connections, ${DURATION} s per page after a 1 s warm-up.

Machine: ${machine}. Load average at the end of the run: ${load} (other work shared the machine,
so treat the numbers as orders of magnitude).

${table}

![Requests per second](results.svg)

Not measured yet: Debian's WordPress (apache2 + PHP with OPcache) on the same data and database
server, and nginx serving a static copy of the same pages, which issue 4 asks for as the baseline
and the upper bound.
`;
    writeFileSync(readme, await format(markdown, { ...(await resolveConfig(readme)), filepath: readme }));
    process.stdout.write(`\n${table}\n\nwritten: docs/bench/README.md, docs/bench/results.svg\n`);
  } finally {
    for (const app of apps) await app.close();
    await db.close();
    await cluster.dispose();
    rmSync(mediaDir, { recursive: true, force: true });
  }
}

await main();
