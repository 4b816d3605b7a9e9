import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { crdGroup, deploySteps } from '../../src/cluster/deploy-plan.js';
import { QUIRE_KINDS } from '../../src/cluster/inventory.js';
import { buildManifests } from '../../src/k8s/quire-manifests.js';
import { fixedSecrets } from '../support/fixed-secrets.js';

const files = (input = {}) => buildManifests(parseConfig(input), fixedSecrets);

describe('deploySteps', () => {
  it('brings parts up in dependency order, the bootstrap Job after the database', () => {
    const steps = deploySteps(files());
    expect(steps.map((step) => step.title)).toEqual([
      'namespace',
      'database',
      'web',
      'edge',
      'network-policies',
      'monitoring',
      'logging',
    ]);
    const database = steps[1];
    expect(database?.phases.map((phase) => phase.waitFor.map((object) => object.kind))).toEqual([
      ['StatefulSet', 'Deployment'],
      ['Job'],
    ]);
    expect(database?.phases[1]?.apply.map((object) => object.metadata.name)).toEqual([
      'quire-mariadb-bootstrap',
    ]);
    expect(steps[2]?.phases[0]?.waitFor.map((object) => object.kind)).toEqual(['Deployment']);
  });

  it('puts the NFS provisioner before the database that claims volumes from it', () => {
    const steps = deploySteps(files({ storage: { nfs: { enabled: true, server: 'nfs.lan', path: '/x' } } }));
    expect(steps.map((step) => step.title).slice(0, 3)).toEqual(['namespace', 'storage', 'database']);
  });

  it('knows which objects need an operator', () => {
    const groups = files({ ingress: { tls: { mode: 'certManager' } } })
      .flatMap((file) => file.objects)
      .map(crdGroup)
      .filter(Boolean);
    expect(new Set(groups)).toEqual(new Set(['monitoring.coreos.com', 'cert-manager.io']));
  });
});

describe('QUIRE_KINDS', () => {
  it('covers every kind any configuration makes, so prune and destroy miss nothing', () => {
    const variants = [
      {},
      { workload: 'wordpress' as const },
      { storage: { nfs: { enabled: true, server: 'nfs.lan', path: '/x' } } },
      { web: { media: { persistence: 'shared' as const } } },
      { ingress: { tls: { mode: 'certManager' as const } } },
    ];
    const kinds = new Set(
      variants.flatMap((input) =>
        files(input).flatMap((file) => file.objects.map((object) => `${object.apiVersion} ${object.kind}`)),
      ),
    );
    kinds.delete('v1 Namespace');
    const known = new Set(QUIRE_KINDS.map((ref) => `${ref.apiVersion} ${ref.kind}`));
    for (const kind of kinds) expect(known, kind).toContain(kind);
  });
});
