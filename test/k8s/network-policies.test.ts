import { describe, expect, it } from 'vitest';
import { at, findObject, synthObjects } from '../support/manifests.js';

const web = {
  'app.kubernetes.io/component': 'web',
  'app.kubernetes.io/instance': 'quire',
  'app.kubernetes.io/name': 'quire',
};

describe('NetworkPolicies', () => {
  const objects = synthObjects();

  it('lets only the web pods and the bootstrap Job reach MariaDB on 3306, and DB pods each other on 3306/3307', () => {
    const db = findObject(objects, 'NetworkPolicy', 'quire-mariadb');
    const rules = at(db, 'spec', 'ingress') as { from: unknown[]; ports: { port: unknown }[] }[];
    expect(rules[0]?.from).toContainEqual({ podSelector: { matchLabels: web } });
    expect(rules[0]?.ports.map((port) => port.port)).toEqual([3306]);
    expect(rules[1]?.ports.map((port) => port.port)).toEqual([3306, 3307]);
    expect(rules[2]?.ports.map((port) => port.port)).toEqual([9104]);
    expect(at(rules[2], 'from', 0, 'namespaceSelector', 'matchLabels')).toEqual({
      'kubernetes.io/metadata.name': 'monitor',
    });
  });

  it('lets only the Ingress controller (and Prometheus) reach the web pods', () => {
    const policy = findObject(objects, 'NetworkPolicy', 'quire-web');
    expect(at(policy, 'spec', 'ingress', 0, 'from', 0, 'namespaceSelector', 'matchLabels')).toEqual({
      'kubernetes.io/metadata.name': 'ingress-nginx',
    });
    expect(at(policy, 'spec', 'egress', 0, 'ports')).toEqual([{ protocol: 'TCP', port: 3306 }]);
  });

  it('drops the Prometheus rules when monitoring is off', () => {
    const off = synthObjects({ monitoring: { enabled: false } });
    expect(at(findObject(off, 'NetworkPolicy', 'quire-mariadb'), 'spec', 'ingress')).toHaveLength(2);
  });

  it('covers every pod Quire runs with a policy', () => {
    const policies = synthObjects({ storage: { nfs: { enabled: true, server: 'nfs.lan', path: '/x' } } });
    const selectors = policies
      .filter((object) => object.kind === 'NetworkPolicy')
      .map((policy) => JSON.stringify(at(policy, 'spec', 'podSelector', 'matchLabels')));
    for (const workload of policies.filter((object) =>
      ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(object.kind),
    )) {
      const labels = at(workload, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
      const component = labels['app.kubernetes.io/component'];
      expect(
        selectors.some((selector) => selector.includes(`"app.kubernetes.io/component":"${component ?? ''}"`)),
      ).toBe(true);
    }
  });
});
