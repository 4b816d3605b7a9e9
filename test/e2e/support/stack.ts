/**
 * What every end-to-end test of a deployed Quire stack needs: the e2e configuration (locally built
 * images, the test cluster's Ingress class), the `quire` CLI against the cluster, SQL in a DB pod,
 * HTTPS through the Ingress with SNI, and waiting for something to become true.
 */
import type { Agent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { inject } from 'vitest';
import type { QuireConfigInput } from '../../../src/config/schema.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { httpRequest as plainHttp } from '../../support/http.js';
import { kubectl, type Cluster } from '../cluster/cluster.js';

export const MINUTE = 60_000;

export type Workload = 'wordpress' | 'quire';

/** The images built from Debian packages by test/e2e/images, as imported into the cluster. */
export const E2E_IMAGES = {
  wordpress: 'quire.local/wordpress:6',
  quire: 'quire.local/quire:e2e',
  mariadb: 'quire.local/mariadb:10.11',
  exporter: 'quire.local/mysqld-exporter:1',
} as const;

/** A configuration for the test cluster: local images never pulled, its Ingress class, short HPA windows. */
export function e2eConfig(
  cluster: Cluster,
  options: { namespace: string; host: string; workload: Workload },
): QuireConfigInput {
  return {
    name: 'quire',
    namespace: options.namespace,
    workload: options.workload,
    web: {
      // The quire image also runs the database failover manager, whichever the workload.
      images: { quire: E2E_IMAGES.quire, [options.workload]: E2E_IMAGES[options.workload] },
      imagePullPolicy: 'Never',
      // Short windows so that a test sees the autoscaler go up and back down.
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 4,
        targetCPUUtilizationPercentage: 50,
        scaleDownStabilizationSeconds: 20,
      },
    },
    database: {
      image: E2E_IMAGES.mariadb,
      exporterImage: E2E_IMAGES.exporter,
      imagePullPolicy: 'Never',
    },
    ingress: {
      host: options.host,
      className: cluster.ingressClass,
      controllerNamespace: cluster.ingressNamespace,
    },
    // No Fluent Bit can be built from what this machine's registries serve (see the README).
    logging: { enabled: false },
  };
}

export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Cookies a site set, sent back like a browser would (one site, so no domain or path rules). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string | undefined {
    return this.cookies.size === 0
      ? undefined
      : [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  store(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }
}

export interface HttpsOptions {
  readonly method?: string;
  /** A urlencoded form body. */
  readonly form?: Record<string, string>;
  /** A multipart/form-data body of text fields. */
  readonly multipart?: Record<string, string>;
  /** Cookies to send, and to keep what the response sets. */
  readonly cookies?: CookieJar;
  readonly headers?: Record<string, string>;
  /** Host name sent as SNI and Host; default the stack's host. */
  readonly host?: string;
  /** The only certificate trusted; default the stack's generated one. */
  readonly ca?: string;
  readonly agent?: Agent;
}

/** Poll `probe` every 3 s until it returns a value; fail with the last error after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${timeoutMs / 1000}s${last ? `: ${last}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

interface SecretStore {
  passwords: Record<string, Record<string, Record<string, string>>>;
  certificates: Record<string, Record<string, { certificate: string; privateKey: string }>>;
}

/**
 * One stack deployed by `quire deploy` in its own namespace, with its config and state files in
 * `work`: inside the run's work directory (test/e2e/global-setup.ts removes it when the run ends),
 * and removed by `dispose` already (QUIRE_KEEP_TEST_DIRS=1 keeps both).
 */
export class E2eStack {
  readonly work = mkdtempSync(join(inject('e2eWorkRoot') ?? tmpdir(), 'quire-e2e-'));
  readonly configFile = join(this.work, 'quire.yaml');
  readonly stateDir = join(this.work, 'state');
  /** Everything the CLI printed, to search for leaked secrets. */
  readonly output: string[] = [];
  readonly config: QuireConfigInput;

  constructor(
    readonly cluster: Cluster,
    readonly namespace: string,
    readonly host: string,
    readonly workload: Workload,
  ) {
    this.config = e2eConfig(cluster, { namespace, host, workload });
    writeFileSync(this.configFile, stringify(this.config));
  }

  /** Delete the namespace left by an earlier run. */
  async reset(): Promise<void> {
    await kubectl([
      'delete',
      'namespace',
      this.namespace,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=180s',
    ]);
  }

  /** Delete the namespace (without waiting) and the work directory with its generated passwords. */
  async dispose(): Promise<void> {
    await kubectl(['delete', 'namespace', this.namespace, '--ignore-not-found', '--wait=false']).catch(
      () => undefined,
    );
    if (process.env.QUIRE_KEEP_TEST_DIRS === undefined) rmSync(this.work, { recursive: true, force: true });
  }

  /** `quire <args>` with this stack's config and the cluster's kubeconfig. */
  async quire(args: readonly string[]): Promise<CliResult> {
    const result = await runCli([
      ...args,
      '--config',
      this.configFile,
      '--kubeconfig',
      this.cluster.kubeconfig,
    ]);
    this.output.push(result.stdout, result.stderr);
    return result;
  }

  /** kubectl in this stack's namespace. */
  k(args: readonly string[]): Promise<string> {
    return kubectl(['-n', this.namespace, ...args]);
  }

  /** SQL as root inside a DB pod, through the pod's own option file (no password on a command line). */
  sql(pod: string, statement: string, options: { columnNames?: boolean } = {}): Promise<string> {
    return this.k([
      'exec',
      pod,
      '-c',
      'mariadb',
      '--',
      'mariadb',
      '--defaults-extra-file=/run/quire/root.cnf',
      '--socket=/run/quire/mysqld.sock',
      '--batch',
      ...(options.columnNames ? [] : ['--skip-column-names']),
      '-e',
      statement,
    ]);
  }

  /** `SHOW SLAVE STATUS` of a DB pod as field → value (empty on a server that is no replica). */
  async replicaStatus(pod: string): Promise<Record<string, string>> {
    const text = await this.sql(pod, 'SHOW SLAVE STATUS\\G', { columnNames: true });
    const fields: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const match = /^\s*(\w+): ?(.*)$/.exec(line);
      if (match?.[1] !== undefined) fields[match[1]] = match[2] ?? '';
    }
    return fields;
  }

  private secretStore(): SecretStore {
    return JSON.parse(readFileSync(join(this.stateDir, 'secrets.json'), 'utf8')) as SecretStore;
  }

  /** Every generated password and the TLS private key's first line: none may leak. */
  generatedSecrets(): string[] {
    const store = this.secretStore();
    return [
      ...Object.values(store.passwords[this.namespace] ?? {}).flatMap((secret) => Object.values(secret)),
      ...Object.values(store.certificates[this.namespace] ?? {}).map(
        (pair) => pair.privateKey.split('\n')[1] ?? '',
      ),
    ];
  }

  /** The generated self-signed certificate of the Ingress (PEM). */
  certificate(): string {
    return this.secretStore().certificates[this.namespace]?.['quire-tls']?.certificate ?? '';
  }

  /** HTTPS to the Ingress on loopback with SNI for the host, trusting only the generated certificate. */
  https(path: string, options: HttpsOptions = {}): Promise<Response> {
    const host = options.host ?? this.host;
    const boundary = `----quire-e2e-${String(Date.now())}`;
    const body = options.form
      ? new URLSearchParams(options.form).toString()
      : options.multipart
        ? Object.entries(options.multipart)
            .map(
              ([name, value]) =>
                `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
            )
            .join('') + `--${boundary}--\r\n`
        : undefined;
    const cookie = options.cookies?.header();
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: this.cluster.ingressHttpsPort,
          path,
          method: options.method ?? 'GET',
          servername: host,
          ca: options.ca ?? this.certificate(),
          agent: options.agent,
          headers: {
            Host: host,
            ...(cookie === undefined ? {} : { Cookie: cookie }),
            ...options.headers,
            ...(body === undefined
              ? {}
              : {
                  'Content-Type': options.form
                    ? 'application/x-www-form-urlencoded'
                    : `multipart/form-data; boundary=${boundary}`,
                  'Content-Length': String(Buffer.byteLength(body)),
                }),
          },
          timeout: 30_000,
        },
        (res) => {
          options.cookies?.store(res.headers['set-cookie']);
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
          });
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.end(body);
    });
  }

  /** Plain HTTP to the Ingress (which must redirect to HTTPS). */
  async http(path: string): Promise<Response> {
    const answer = await plainHttp(this.cluster.ingressHttpPort, path, { headers: { Host: this.host } });
    return { status: answer.statusCode, headers: answer.headers, body: '' };
  }

  /** Wait until the pod's first container is ready. */
  async podReady(pod: string, timeoutMs: number): Promise<void> {
    await eventually(`${pod} ready`, timeoutMs, async () =>
      (await this.k(['get', 'pod', pod, '-o', 'jsonpath={.status.containerStatuses[0].ready}'])) === 'true'
        ? true
        : undefined,
    );
  }
}
