/**
 * Quire's own web app on the replicated MariaDB, deployed by `quire deploy` on the real
 * single-node cluster and proven by the shared stack suite, plus what only this workload does:
 * the owner logs in through the Ingress, publishes a post, sees it on the next page view, and the
 * app's metrics show its reads served by the replica; then the primary's faults under writes
 * (support/database-faults.ts).
 */
import { expect } from 'vitest';
import { databaseFaults } from './support/database-faults.js';
import { stackSuite } from './support/stack-suite.js';
import { CookieJar, eventually, MINUTE, type E2eStack } from './support/stack.js';

const HOST = 'quire.cccr-miniproject.com';
/** The CSRF token of a page's form: a hidden field, or the multipart form action's query. */
function csrfToken(page: string): string {
  const token =
    /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ??
    /\?_csrf=([^"&]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
  if (token === undefined) throw new Error(`no CSRF token in the page:\n${page.slice(0, 1500)}`);
  return decodeURIComponent(token);
}

/** The owner's login, printed once by the web pod that created the account. */
async function ownerLogin(s: E2eStack): Promise<{ email: string; password: string }> {
  return eventually('the owner account in the web pods’ logs', 2 * MINUTE, async () => {
    const logs = await s.k(['logs', '-l', 'app.kubernetes.io/component=web', '--tail=-1', '--prefix']);
    const email = /email:\s+(\S+@\S+)/.exec(logs)?.[1];
    const password = /password:\s+(\S+)/.exec(logs)?.[1];
    return email && password ? { email, password } : undefined;
  });
}

/** Reads per pool, summed over the web pods, from each pod's own /metrics (not exposed through the Ingress). */
async function readsPerPool(s: E2eStack): Promise<Map<string, number>> {
  const pods = (await s.k(['get', 'pods', '-l', 'app.kubernetes.io/component=web', '-o', 'name']))
    .trim()
    .split('\n');
  const reads = new Map<string, number>();
  for (const pod of pods) {
    const text = await s.k([
      'exec',
      pod,
      '--',
      'node',
      '-e',
      "fetch('http://127.0.0.1:8080/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))",
    ]);
    for (const match of text.matchAll(
      /^quire_db_reads_total\{[^}]*pool="([^"]+)"[^}]*\} (\d+(?:\.\d+)?)$/gm,
    )) {
      const [, pool = '', count = '0'] = match;
      reads.set(pool, (reads.get(pool) ?? 0) + Number(count));
    }
  }
  return reads;
}

stackSuite(
  { namespace: 'e2e-quire', host: HOST, workload: 'quire' },
  {
    async servesSite(s) {
      const home = await s.https('/');
      expect(home.status).toBe(200);
      expect(home.headers['content-type']).toMatch(/^text\/html/);
      expect(home.headers['strict-transport-security']).toBeDefined();

      const owner = await ownerLogin(s);
      const jar = new CookieJar();
      const loginPage = await s.https('/admin/login', { cookies: jar });
      expect(loginPage.status).toBe(200);
      const login = await s.https('/admin/login', {
        method: 'POST',
        cookies: jar,
        form: { email: owner.email, password: owner.password, _csrf: csrfToken(loginPage.body) },
      });
      expect(login.status, login.body.slice(0, 500)).toBe(303);

      const editor = await s.https('/admin/posts/new', { cookies: jar });
      expect(editor.status).toBe(200);
      const title = `Written through the Ingress ${String(Date.now())}`;
      const saved = await s.https(`/admin/posts?_csrf=${encodeURIComponent(csrfToken(editor.body))}`, {
        method: 'POST',
        cookies: jar,
        multipart: {
          title,
          slug: 'written-through-the-ingress',
          markdown: 'Served by **the replica**, written on the primary.',
          excerpt: 'An e2e post',
          tags: 'e2e',
          kind: 'post',
          status: 'published',
          publishedAt: '',
        },
      });
      expect(saved.status, /<main[\s\S]*<\/main>/.exec(saved.body)?.[0] ?? saved.body).toBe(303);
      // The author's next page view shows the post at once (read-your-writes through the replica) ...
      expect((await s.https('/', { cookies: jar })).body).toContain(title);
      // ... and so does a visitor's, once the cache has seen the new content version.
      await eventually('the post on the anonymous home page', 30_000, async () =>
        (await s.https('/')).body.includes(title) ? true : undefined,
      );
      expect((await s.https('/written-through-the-ingress')).body).toContain('<strong>the replica</strong>');
      // It was written on the primary and replicated.
      expect(
        await s.sql(
          'quire-mariadb-1',
          `SELECT title FROM quire.post WHERE slug = 'written-through-the-ingress'`,
        ),
      ).toContain(title);

      // The app's reads go to the replicas' Service; the primary serves only what must be fresh.
      const reads = await readsPerPool(s);
      const replicaReads = [...reads]
        .filter(([pool]) => pool !== 'primary')
        .reduce((sum, [, count]) => sum + count, 0);
      expect(replicaReads, JSON.stringify([...reads])).toBeGreaterThan(0);
      expect(replicaReads).toBeGreaterThan(reads.get('primary') ?? 0);
    },
    tcpProbe: (host, port) => [
      'node',
      '-e',
      `require('net').connect(${String(port)}, '${host}').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`,
    ],
    loadPath: '/',
    // Faults of the primary: one workload suffices, and this one is the default.
    moreTests: databaseFaults,
  },
);
