/**
 * Every bad value gets an error naming the field, what is wrong and a good value; the exit code is
 * 2, nothing is written, and no stack trace is shown.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

interface BadCase {
  readonly yaml: string;
  /** Expected lines (substrings) of the message, one per problem. */
  readonly expected: readonly string[];
}

const CASES: Record<string, BadCase> = {
  'replicas as a string': {
    yaml: 'web: {replicas: "3"}',
    expected: ['web.replicas: must be a number (got "3") (example: 3)'],
  },
  'zero web replicas': { yaml: 'web: {replicas: 0}', expected: ['web.replicas: must be at least 1 (got 0)'] },
  'fractional replicas': {
    yaml: 'web: {replicas: 2.5}',
    expected: ['web.replicas: must be a whole number (got 2.5)'],
  },
  'too many DB replicas': {
    yaml: 'database: {replicas: 12}',
    expected: ['database.replicas: must be at most 9 (got 12) (example: 2)'],
  },
  'no DB pod at all': {
    yaml: 'database: {replicas: 0}',
    expected: ['database.replicas: must be at least 1'],
  },
  'HPA min above max': {
    yaml: 'web: {autoscaling: {minReplicas: 6}}',
    expected: [
      'web.autoscaling.minReplicas: minReplicas 6 is greater than maxReplicas 5; lower minReplicas or raise maxReplicas',
    ],
  },
  'CPU target above 100%': {
    yaml: 'web: {autoscaling: {targetCPUUtilizationPercentage: 150}}',
    expected: ['web.autoscaling.targetCPUUtilizationPercentage: must be at most 100 (got 150) (example: 70)'],
  },
  'boolean as a word': {
    yaml: 'web: {autoscaling: {enabled: "yes"}}',
    expected: ['web.autoscaling.enabled: must be true or false (got "yes") (example: true)'],
  },
  'NFS without a server': {
    yaml: 'storage: {nfs: {enabled: true, path: /srv/nfs-volume}}',
    expected: ['storage.nfs.server: NFS is enabled but no server is set', '(example: "192.168.56.11")'],
  },
  "the provisioner's sample address (the seed's bug)": {
    yaml: 'storage: {nfs: {enabled: true, server: 10.3.243.101, path: /srv/nfs-volume}}',
    expected: ["storage.nfs.server: 10.3.243.101 is the provisioner's sample address, not your NFS server"],
  },
  'NFS without a path': {
    yaml: 'storage: {nfs: {enabled: true, server: 192.168.56.11}}',
    expected: ['storage.nfs.path: NFS is enabled but no export path is set', '(example: "/srv/nfs-volume")'],
  },
  'NFS server that is no address': {
    yaml: 'storage: {nfs: {enabled: true, server: "bad host!", path: /srv}}',
    expected: ['storage.nfs.server: must be an IPv4 address or a host name'],
  },
  'relative NFS path': {
    yaml: 'storage: {nfs: {enabled: true, server: 192.168.56.11, path: srv/nfs}}',
    expected: ['storage.nfs.path: must be an absolute path without spaces'],
  },
  'shared media on ReadWriteOnce with an autoscaler of 5 pods': {
    yaml: 'web: {media: {persistence: shared, accessMode: ReadWriteOnce}}',
    expected: [
      'web.media.accessMode: ReadWriteOnce lets one node mount the shared media volume, but web.autoscaling.maxReplicas allows 5 web pods',
      '(example: "ReadWriteMany")',
    ],
  },
  'NFS-shared media on ReadWriteOnce with 3 fixed pods': {
    yaml: 'web: {replicas: 3, autoscaling: {enabled: false}, media: {accessMode: ReadWriteOnce}}\nstorage: {nfs: {enabled: true, server: 192.168.56.11, path: /srv/nfs-volume}}',
    expected: [
      'web.media.accessMode: ReadWriteOnce lets one node mount the shared media volume, but web.replicas allows 3 web pods',
    ],
  },
  'unknown media persistence': {
    yaml: 'web: {media: {persistence: nfs}}',
    expected: [
      'web.media.persistence: must be one of "auto", "shared", "pod" (got "nfs") (example: "shared")',
    ],
  },
  'host with capitals and underscore': {
    yaml: 'ingress: {host: Bad_Host.example.com}',
    expected: [
      'ingress.host: must be a fully qualified lowercase host name',
      '(example: "cccr-miniproject.com")',
    ],
  },
  'host without a domain': {
    yaml: 'ingress: {host: localhost}',
    expected: ['ingress.host: must be a fully qualified lowercase host name'],
  },
  'CPU limit below request': {
    yaml: 'web: {resources: {limits: {cpu: 50m}}}',
    expected: [
      'web.resources.limits.cpu: limit 50m is below the request 100m; a limit must be at least the request',
    ],
  },
  'memory limit below request': {
    yaml: 'database: {resources: {limits: {memory: 128Mi}}}',
    expected: ['database.resources.limits.memory: limit 128Mi is below the request 256Mi'],
  },
  'CPU that is no quantity': {
    yaml: 'web: {resources: {requests: {cpu: lots}}}',
    expected: [
      'web.resources.requests.cpu: must be a CPU quantity: cores ("0.5", "2") or millicores ("100m") (got "lots") (example: "100m")',
    ],
  },
  'storage size that is no quantity': {
    yaml: 'database: {storage: {size: big}}',
    expected: [
      'database.storage.size: must be a memory quantity such as "128Mi" or "1Gi" (got "big") (example: "1Gi")',
    ],
  },
  'unknown workload': {
    yaml: 'workload: ghost',
    expected: ['workload: must be one of "quire", "wordpress" (got "ghost") (example: "quire")'],
  },
  'unknown top-level key': {
    yaml: 'webb: {replicas: 3}',
    expected: ['webb: unknown key; remove it or use one of: name, namespace, workload, web, database'],
  },
  'misspelt nested key': {
    yaml: 'web: {replicaz: 3}',
    expected: ['web.replicaz: unknown key; remove it or use one of: replicas, images, imagePullPolicy'],
  },
  'name that is no DNS label': {
    yaml: 'name: Quire_Blog',
    expected: [
      'name: must be a DNS label: lowercase letters, digits and "-", starting with a letter (got "Quire_Blog") (example: "quire")',
    ],
  },
  'name too long for derived names': {
    yaml: 'name: a-name-much-longer-than-thirty-characters',
    expected: ['name: must be at most 30 characters'],
  },
  'existingSecret TLS mode without a Secret': {
    yaml: 'ingress: {tls: {mode: existingSecret}}',
    expected: ['ingress.tls.existingSecret: mode is existingSecret but no Secret is named'],
  },
  'unknown TLS mode': {
    yaml: 'ingress: {tls: {mode: letsencrypt}}',
    expected: ['ingress.tls.mode: must be one of "selfSigned", "certManager", "existingSecret"'],
  },
  'unknown log output': {
    yaml: 'logging: {output: splunk}',
    expected: ['logging.output: must be one of "loki", "elasticsearch" (got "splunk")'],
  },
  'image with spaces': {
    yaml: 'database: {image: "Not An Image"}',
    expected: [
      'database.image: must be a container image reference (got "Not An Image") (example: "mariadb:11.4")',
    ],
  },
  'list where a mapping belongs': {
    yaml: 'web: [1, 2]',
    expected: ['web: must be a mapping of keys to values (got [1,2])'],
  },
  'port out of range': {
    yaml: 'logging: {elasticsearchPort: 70000}',
    expected: ['logging.elasticsearchPort: must be at most 65535 (got 70000) (example: 9200)'],
  },
  'existing DB Secret with a bad name': {
    yaml: 'database: {existingSecret: "My Secret"}',
    expected: ['database.existingSecret: must be a DNS label'],
  },
  'pull policy with wrong case': {
    yaml: 'web: {imagePullPolicy: always}',
    expected: ['web.imagePullPolicy: must be one of "Always", "IfNotPresent", "Never"'],
  },
  'several problems at once': {
    yaml: 'web: {replicas: -1, autoscaling: {minReplicas: 9}}\ndatabase: {replicas: 10}',
    expected: [
      '(3 problems)',
      'web.replicas: must be at least 1',
      'web.autoscaling.minReplicas: minReplicas 9',
      'database.replicas: must be at most 9',
    ],
  },
  'YAML syntax error': {
    yaml: 'web: {replicas: 3\ndatabase: 1',
    expected: ['quire.yaml is not valid YAML (line'],
  },
};

describe('bad configuration', () => {
  it('has a table of at least 25 cases', () => {
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(25);
  });

  for (const [title, { yaml, expected }] of Object.entries(CASES)) {
    it(`rejects ${title}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'quire-bad-'));
      writeFileSync(join(dir, 'quire.yaml'), `${yaml}\n`);
      const result = await runCli(['synth', '--out', 'out', '--state-dir', 'state'], dir);
      expect(result.code).toBe(2);
      for (const line of expected) expect(result.stderr).toContain(line);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(existsSync(join(dir, 'out'))).toBe(false);
      expect(existsSync(join(dir, 'state'))).toBe(false);
    });
  }

  it('says how to fix a config file that does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quire-bad-'));
    const result = await runCli(['synth', '--config', 'missing.yaml'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'cannot use missing.yaml: it does not exist. Write one with `quire init`',
    );
  });
});
