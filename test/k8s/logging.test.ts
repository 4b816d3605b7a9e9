import { describe, expect, it } from 'vitest';
import { at, findObject, synthObjects } from '../support/manifests.js';

describe('Logging', () => {
  const objects = synthObjects();

  it('tails /var/log/containers with Kubernetes metadata on every node', () => {
    const daemonSet = findObject(objects, 'DaemonSet', 'quire-fluent-bit');
    const pod = at(daemonSet, 'spec', 'template', 'spec');
    expect(at(pod, 'volumes', 1, 'hostPath')).toEqual({ path: '/var/log', type: 'Directory' });
    expect(at(pod, 'tolerations')).toEqual([{ operator: 'Exists', effect: 'NoSchedule' }]);
    const conf = (findObject(objects, 'ConfigMap', 'quire-fluent-bit').data as Record<string, string>)[
      'fluent-bit.conf'
    ];
    expect(conf).toContain('Path              /var/log/containers/*.log');
    expect(conf).toContain('Name                kubernetes');
    expect(conf).toContain('Name        loki');
    expect(conf).toContain('Host        loki-gateway.logging.svc');
  });

  it("ships to Elasticsearch (the seed's EFG) when chosen", () => {
    const es = synthObjects({ logging: { output: 'elasticsearch', elasticsearchHost: 'es.logging.svc' } });
    const conf = (findObject(es, 'ConfigMap', 'quire-fluent-bit').data as Record<string, string>)[
      'fluent-bit.conf'
    ];
    expect(conf).toContain('Name               es');
    expect(conf).toContain('Host               es.logging.svc');
    expect(conf).not.toContain('loki');
  });

  it('may read pods and namespaces, nothing more', () => {
    const role = findObject(objects, 'ClusterRole', 'quire-quire-fluent-bit');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
    ]);
  });
});
