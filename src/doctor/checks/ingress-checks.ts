/**
 * Ingresses nobody serves (no controller for the class, no address), and TLS that cannot work: a
 * missing Secret, an expired certificate, one that does not cover the host.
 */
import { finding, type Finding } from '../finding.js';
import { objectName, type ClusterSnapshot, type IngressFacts } from '../snapshot.js';

/** Whether a certificate DNS name (`*.example.com` or exact) covers `host`. */
export function coversHost(dnsName: string, host: string): boolean {
  const name = dnsName.toLowerCase();
  const wanted = host.toLowerCase();
  if (name.startsWith('*.')) {
    const suffix = name.slice(1);
    return wanted.endsWith(suffix) && !wanted.slice(0, -suffix.length).includes('.');
  }
  return name === wanted;
}

function ingressFindings(snapshot: ClusterSnapshot, ingress: IngressFacts): Finding[] {
  const ingressObject = objectName('Ingress', snapshot.namespace, ingress.name);
  const defaultClass = snapshot.ingressClasses.find((candidate) => candidate.isDefault);
  const className = ingress.className ?? defaultClass?.name ?? null;
  const ingressClass = snapshot.ingressClasses.find((candidate) => candidate.name === className);
  const findings: Finding[] = [];
  const known = snapshot.ingressClasses.map((candidate) => candidate.name).join(', ') || 'none';
  if (!ingressClass) {
    findings.push(
      finding(
        'INGRESS_CLASS_MISSING',
        className
          ? `Ingress ${ingress.name} names IngressClass ${className}, which does not exist (classes: ${known})`
          : `Ingress ${ingress.name} names no IngressClass and none is the default (classes: ${known})`,
        [{ object: ingressObject, source: 'spec.ingressClassName', detail: ingress.className ?? '(none)' }],
        {
          fix: `set ingress.className in quire.yaml to one of: ${known} (kubectl get ingressclass), or install the controller for ${className ?? 'a default class'}`,
        },
      ),
    );
  } else if (ingress.addresses.length === 0) {
    findings.push(
      finding(
        'INGRESS_NO_ADDRESS',
        `Ingress ${ingress.name} has no address: controller ${ingressClass.controller} (class ${ingressClass.name}) has not published one`,
        [
          { object: ingressObject, source: 'status.loadBalancer.ingress', detail: 'empty' },
          {
            object: objectName('IngressClass', null, ingressClass.name),
            source: 'spec.controller',
            detail: ingressClass.controller,
          },
        ],
      ),
    );
  }
  const now = Date.parse(snapshot.takenAt);
  for (const tls of ingress.tls) {
    if (!tls.secretName) continue;
    const secret = snapshot.secrets.find((candidate) => candidate.name === tls.secretName);
    const secretObject = objectName('Secret', snapshot.namespace, tls.secretName);
    if (!secret) {
      findings.push(
        finding(
          'INGRESS_TLS_SECRET_MISSING',
          `Ingress ${ingress.name} serves ${tls.hosts.join(', ') || 'its hosts'} with TLS Secret ${tls.secretName}, which does not exist`,
          [
            { object: ingressObject, source: 'spec.tls[].secretName', detail: tls.secretName },
            { object: secretObject, source: 'get', detail: 'not found' },
          ],
          ingress.name === snapshot.quire.ingress
            ? {}
            : {
                fix: `create it: kubectl -n ${snapshot.namespace} create secret tls ${tls.secretName} --cert=<file> --key=<file>`,
              },
        ),
      );
      continue;
    }
    const certificate = secret.certificate;
    if (!certificate) continue;
    const certificateDetail = `subject ${certificate.subject}, DNS names ${certificate.dnsNames.join(', ') || 'none'}, valid ${certificate.validFrom} to ${certificate.validTo}`;
    if (Date.parse(certificate.validTo) < now || Date.parse(certificate.validFrom) > now) {
      findings.push(
        finding(
          'TLS_CERT_EXPIRED',
          `the certificate in ${tls.secretName} is not valid now: valid from ${certificate.validFrom} to ${certificate.validTo}`,
          [{ object: secretObject, source: 'tls.crt', detail: certificateDetail }],
        ),
      );
    }
    const hosts = tls.hosts.length > 0 ? tls.hosts : ingress.hosts;
    const uncovered = hosts.filter((host) => !certificate.dnsNames.some((name) => coversHost(name, host)));
    if (uncovered.length > 0) {
      findings.push(
        finding(
          'TLS_CERT_HOST_MISMATCH',
          `the certificate in ${tls.secretName} does not cover ${uncovered.join(', ')} (it names ${certificate.dnsNames.join(', ') || 'no DNS name'})`,
          [{ object: secretObject, source: 'tls.crt', detail: certificateDetail }],
        ),
      );
    }
  }
  return findings;
}

export function ingressChecks(snapshot: ClusterSnapshot): Finding[] {
  return snapshot.ingresses.flatMap((ingress) => ingressFindings(snapshot, ingress));
}
