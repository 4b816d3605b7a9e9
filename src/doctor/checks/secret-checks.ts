/** Secrets Quire's pods need that are missing, and passwords kept in ConfigMaps (the seed's S7 shortcut). */
import { finding, type Finding } from '../finding.js';
import { objectName, type ClusterSnapshot } from '../snapshot.js';

export function secretChecks(snapshot: ClusterSnapshot): Finding[] {
  const findings: Finding[] = [];
  // Only where Quire is installed: elsewhere its Secrets are not expected.
  const installed = snapshot.workloads.some(
    (workload) =>
      (workload.kind === 'StatefulSet' && workload.name === snapshot.quire.databaseStatefulSet) ||
      (workload.kind === 'Deployment' && workload.name === snapshot.quire.web),
  );
  // A missing TLS Secret of an Ingress is reported by the Ingress checks, with its consequence.
  const ingressSecrets = new Set(
    snapshot.ingresses.flatMap((ingress) =>
      ingress.tls.flatMap((tls) => (tls.secretName ? [tls.secretName] : [])),
    ),
  );
  if (installed) {
    for (const expected of snapshot.quire.secrets) {
      if (
        ingressSecrets.has(expected.name) ||
        snapshot.secrets.some((secret) => secret.name === expected.name)
      )
        continue;
      findings.push(
        finding(
          'SECRET_MISSING',
          `Secret ${expected.name} (${expected.purpose}) does not exist in namespace ${snapshot.namespace}`,
          [
            {
              object: objectName('Secret', snapshot.namespace, expected.name),
              source: 'get',
              detail: 'not found',
            },
          ],
        ),
      );
    }
  }
  for (const leak of snapshot.configMapPasswords) {
    findings.push(
      finding(
        'PASSWORD_IN_CONFIGMAP',
        leak.sameAs
          ? `ConfigMap ${leak.configMap} key ${leak.key} holds the value of Secret ${leak.sameAs.secret} key ${leak.sameAs.key}`
          : `ConfigMap ${leak.configMap} key ${leak.key} holds a password`,
        [
          {
            object: objectName('ConfigMap', snapshot.namespace, leak.configMap),
            source: `data.${leak.key}`,
            detail: leak.sameAs
              ? `equal to Secret ${leak.sameAs.secret} key ${leak.sameAs.key} (value not shown)`
              : 'a password-named key with a value (not shown)',
          },
        ],
        {
          fix: `move data.${leak.key} of ConfigMap ${leak.configMap} into a Secret and reference it with secretKeyRef (kubectl -n ${snapshot.namespace} edit configmap ${leak.configMap}), then change the password: it was readable by anyone who can read ConfigMaps`,
        },
      ),
    );
  }
  return findings;
}
