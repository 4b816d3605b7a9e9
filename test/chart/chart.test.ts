/**
 * The chart against the real Helm (pinned, built from the Go module proxy): it lints strictly,
 * renders, and renders exactly the objects `quire synth` makes, for the defaults and for changed
 * values given as a values file or with --set. Its output and synth's validate against the
 * Kubernetes 1.34 and CRD schemas, and kube-score finds nothing critical.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { chartFiles, NON_VALUE_KEYS } from '../../src/chart/chart-files.js';
import { configFields } from '../../src/config/json-schema.js';
import { parseConfig } from '../../src/config/load.js';
import type { QuireConfigInput } from '../../src/config/schema.js';
import { objectsToYaml } from '../../src/k8s/manifest-yaml.js';
import { buildManifests, NAMESPACE_FILE, type KubeObject } from '../../src/k8s/quire-manifests.js';
import { writeDirectory } from '../../src/cli/write-directory.js';
import { runCli } from '../support/cli.js';
import { fixedSecrets } from '../support/fixed-secrets.js';
import { KUBE_VERSION, kubeconform, run, tool, type RunResult } from '../support/go-tools.js';

const work = mkdtempSync(join(tmpdir(), 'quire-chart-'));
const chartDir = join(work, 'quire');

beforeAll(async () => {
  await writeDirectory(chartDir, chartFiles('0.1.0'));
});

function helm(args: readonly string[]): RunResult {
  return run(tool('helm'), [...args, '--kube-version', KUBE_VERSION]);
}

function valuesFile(input: QuireConfigInput): string {
  const file = join(work, `values-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(input));
  return file;
}

/** Objects keyed by kind/name, with generated secret values replaced after checking they exist. */
function normalise(objects: readonly KubeObject[]): Record<string, KubeObject> {
  const keyed: Record<string, KubeObject> = {};
  for (const object of objects) {
    const copy = structuredClone(object);
    if (copy.kind === 'Secret') {
      const data = copy.stringData as Record<string, string>;
      for (const key of Object.keys(data)) {
        expect(data[key], `${copy.metadata.name}/${key}`).toMatch(
          key === 'tls.crt' ? /^-----BEGIN CERTIFICATE-----/ : /\S{8}/,
        );
        data[key] = '<generated>';
      }
    }
    keyed[`${copy.kind}/${copy.metadata.name}`] = copy;
  }
  return keyed;
}

function synth(input: QuireConfigInput): KubeObject[] {
  return buildManifests(parseConfig(input), fixedSecrets)
    .filter((file) => file.name !== NAMESPACE_FILE)
    .flatMap((file) => file.objects);
}

function helmTemplate(release: string, namespace: string, extra: readonly string[]): KubeObject[] {
  const result = helm(['template', release, chartDir, '--namespace', namespace, ...extra]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

/** Configurations whose chart rendering must equal their synth, as values files. */
const VARIANTS: Record<string, QuireConfigInput> = {
  defaults: {},
  wordpress: { workload: 'wordpress', web: { images: { wordpress: 'wordpress:6.8.1-php8.1-apache' } } },
  'fixed web tier': { web: { replicas: 4, autoscaling: { enabled: false }, imagePullPolicy: 'Always' } },
  'bigger database on a named class with its own Secret': {
    database: {
      replicas: 3,
      existingSecret: 'my-db',
      storage: { size: '5Gi', storageClass: 'fast' },
      name: 'blog',
    },
  },
  'NFS provisioner, not the default class': {
    storage: {
      nfs: { enabled: true, server: '192.168.56.11', path: '/srv/nfs-volume', defaultClass: false },
    },
  },
  'NFS class used by the database': {
    storage: { nfs: { enabled: true, server: 'nfs.lan', path: '/export', storageClassName: 'shared' } },
  },
  'shared media on a named class for WordPress': {
    workload: 'wordpress',
    web: { media: { persistence: 'shared', size: '20Gi', storageClass: 'cephfs' } },
  },
  'NFS-shared media on one pod with a ReadWriteOnce claim': {
    storage: { nfs: { enabled: true, server: 'nfs.lan', path: '/export' } },
    web: { replicas: 1, autoscaling: { enabled: false }, media: { accessMode: 'ReadWriteOnce' } },
  },
  'cert-manager on another host and class': {
    ingress: {
      host: 'blog.example.com',
      className: 'traefik',
      tls: { mode: 'certManager', issuerName: 'le', issuerKind: 'Issuer' },
    },
  },
  'existing TLS Secret': { ingress: { tls: { mode: 'existingSecret', existingSecret: 'site-tls' } } },
  'no monitoring, no logging': { monitoring: { enabled: false }, logging: { enabled: false } },
  'Elasticsearch logging': {
    logging: { output: 'elasticsearch', elasticsearchPort: 9201 },
    monitoring: { prometheusRelease: 'kps' },
  },
  'wordpress without autoscaling or monitoring': {
    workload: 'wordpress',
    web: { autoscaling: { enabled: false } },
    monitoring: { enabled: false },
    database: { replicas: 1 },
  },
};

describe('Helm chart', () => {
  it('passes helm lint --strict', () => {
    const result = helm(['lint', '--strict', chartDir]);
    expect(result.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(result.status).toBe(0);
  });

  it('passes helm lint --strict with changed values too', () => {
    for (const input of Object.values(VARIANTS)) {
      const result = helm(['lint', '--strict', chartDir, '-f', valuesFile(input)]);
      expect(result.stdout + result.stderr).toContain('0 chart(s) failed');
    }
  });

  it.each(Object.entries(VARIANTS))('renders the same objects as quire synth: %s', (_, input) => {
    const rendered = helmTemplate('quire', 'quire', ['-f', valuesFile(input)]);
    expect(normalise(rendered)).toEqual(normalise(synth(input)));
  });

  it('takes a whole quire.yaml as a values file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quire-values-'));
    expect((await runCli(['init'], dir)).code).toBe(0);
    const rendered = helmTemplate('quire', 'quire', ['-f', join(dir, 'quire.yaml')]);
    expect(normalise(rendered)).toEqual(normalise(synth({})));
  });

  it('takes name and namespace from the release', () => {
    const rendered = helmTemplate('blog', 'publishing', []);
    expect(normalise(rendered)).toEqual(normalise(synth({ name: 'blog', namespace: 'publishing' })));
  });

  it('changes with --set the fields the config field changes', () => {
    const sets = {
      'web.autoscaling.minReplicas': 3,
      'database.replicas': 3,
      'ingress.host': 'news.example.org',
      workload: 'wordpress',
      'database.storage.storageClass': 'ssd',
      'logging.enabled': false,
    };
    const args = Object.entries(sets).flatMap(([key, value]) => ['--set', `${key}=${String(value)}`]);
    const input = parseConfig({
      web: { autoscaling: { minReplicas: 3 } },
      database: { replicas: 3, storage: { storageClass: 'ssd' } },
      ingress: { host: 'news.example.org' },
      workload: 'wordpress',
      logging: { enabled: false },
    });
    expect(normalise(helmTemplate('quire', 'quire', args))).toEqual(normalise(synth(input)));
  });

  it('validates against the Kubernetes 1.34 and CRD schemas, as rendered by Helm', () => {
    for (const input of Object.values(VARIANTS)) {
      const rendered = helm(['template', 'quire', chartDir, '--namespace', 'quire', '-f', valuesFile(input)]);
      const result = kubeconform('-', rendered.stdout);
      expect(result.stdout + result.stderr).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
      expect(result.status).toBe(0);
    }
  });

  it('validates against the Kubernetes 1.34 and CRD schemas, as synthesised', () => {
    for (const input of Object.values(VARIANTS)) {
      const yaml = buildManifests(parseConfig(input), fixedSecrets)
        .map((file) => objectsToYaml(file.objects))
        .join('');
      const result = kubeconform('-', yaml);
      expect(result.stdout + result.stderr).toMatch(/Invalid: 0, Errors: 0, Skipped: 0/);
      expect(result.status).toBe(0);
    }
  });

  it('has no critical kube-score finding (accepted checks listed in the README)', () => {
    const file = join(work, 'default.yaml');
    writeFileSync(
      file,
      synth({})
        .map((object) => objectsToYaml([object]))
        .join(''),
    );
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const ignored = [...readme.matchAll(/^\| `([a-z-]+)`\s+\| kube-score\s+\|/gm)].map(
      (match) => match[1] ?? '',
    );
    expect(ignored).toEqual(['container-image-pull-policy', 'container-security-context-user-group-id']);
    const result = run(tool('kube-score'), [
      'score',
      ...ignored.flatMap((test) => ['--ignore-test', test]),
      file,
    ]);
    expect(result.stdout).not.toContain('[CRITICAL]');
    expect(result.stdout).not.toContain('[WARNING]');
    expect(result.status).toBe(0);
  });

  it('rejects values the schema forbids, naming the field', () => {
    const result = helm(['template', 'quire', chartDir, '--set', 'web.replicas=many']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('/web/replicas');
    const unknown = helm(['template', 'quire', chartDir, '--set', 'web.replicaz=3']);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('replicaz');
  });

  it.each([
    [
      ['web.autoscaling.minReplicas=6'],
      'web.autoscaling.minReplicas: minReplicas 6 is greater than maxReplicas 5',
    ],
    [
      ['storage.nfs.enabled=true', 'storage.nfs.path=/srv'],
      'storage.nfs.server: NFS is enabled but no server is set',
    ],
    [
      ['storage.nfs.enabled=true', 'storage.nfs.server=10.3.243.101', 'storage.nfs.path=/srv'],
      "storage.nfs.server: 10.3.243.101 is the provisioner's sample address",
    ],
    [
      ['storage.nfs.enabled=true', 'storage.nfs.server=nfs.lan'],
      'storage.nfs.path: NFS is enabled but no export path is set',
    ],
    [
      ['web.media.persistence=shared', 'web.media.accessMode=ReadWriteOnce'],
      'web.media.accessMode: ReadWriteOnce lets one node mount the shared media volume, but web.autoscaling.maxReplicas allows 5 web pods',
    ],
    [
      [
        'storage.nfs.enabled=true',
        'storage.nfs.server=nfs.lan',
        'storage.nfs.path=/srv',
        'web.autoscaling.enabled=false',
        'web.media.accessMode=ReadWriteOnce',
      ],
      'web.media.accessMode: ReadWriteOnce lets one node mount the shared media volume, but web.replicas allows 3 web pods',
    ],
    [
      ['ingress.tls.mode=existingSecret'],
      'ingress.tls.existingSecret: mode is existingSecret but no Secret is named',
    ],
  ])('fails like quire synth on cross-field problems: %s', (sets, message) => {
    const result = helm(['template', 'quire', chartDir, ...sets.flatMap((set) => ['--set', set])]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it('documents every value in values.yaml and nothing else', () => {
    const values = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
    const documented = [...values.matchAll(/^\s*## @param (\S+) \S/gm)].map((match) => match[1]);
    const fields = configFields()
      .map((field) => field.path.join('.'))
      .filter((path) => !NON_VALUE_KEYS.includes(path.split('.')[0] ?? ''));
    expect(documented).toEqual(fields);
  });

  it('tells in NOTES.txt how to reach the site and read the password', async () => {
    // Helm renders NOTES.txt only at install; render it as an ordinary template instead.
    const copy = join(work, 'notes-chart');
    const files = chartFiles('0.1.0');
    const notes = files['templates/NOTES.txt'] ?? '';
    await writeDirectory(copy, { ...files, 'templates/NOTES.txt': '', 'templates/notes.yaml': notes });
    const render = (sets: string[]) =>
      helm([
        'template',
        'blog',
        copy,
        '-n',
        'pub',
        '--debug',
        '--show-only',
        'templates/notes.yaml',
        ...sets.flatMap((s) => ['--set', s]),
      ]).stdout;
    const text = render([]);
    expect(text).toContain('https://cccr-miniproject.com/');
    expect(text).toContain(
      "kubectl -n pub get secret blog-mariadb-credentials -o jsonpath='{.data.password}' | base64 -d",
    );
    expect(text).toContain('writes:  blog-mariadb-primary:3306');
    expect(text).toContain('The certificate is self-signed');
    expect(render(['database.existingSecret=my-db', 'ingress.tls.mode=certManager'])).toContain(
      'get secret my-db -o',
    );
  });

  it('keeps generated passwords across upgrades and uninstall', () => {
    const helpers = readFileSync(join(chartDir, 'templates/_helpers.tpl'), 'utf8');
    expect(helpers).toContain('lookup "v1" "Secret"');
    const rendered = helmTemplate('quire', 'quire', []);
    const secret = rendered.find((object) => object.metadata.name === 'quire-mariadb-credentials');
    expect(secret?.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
  });
});
