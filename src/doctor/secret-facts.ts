/**
 * What the doctor keeps of Secrets and ConfigMaps: certificate facts and the names of ConfigMap
 * keys that hold a password. Values are compared here and never returned.
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateFacts, ConfigMapPasswordFacts } from './snapshot.js';

/** A key whose name says it holds a password. */
const PASSWORD_KEY = /(^|[^a-z])(pass(word)?|passwd|pwd)([^a-z]|$)/i;
/** Secret values shorter than this are too common to count as a leaked password. */
const MIN_COMPARED_SECRET_LENGTH = 8;

/** A Secret as the API returns it: values base64-encoded. */
export interface SecretData {
  readonly name: string;
  readonly type: string;
  readonly data: Readonly<Record<string, string>>;
}

/** The parsed `tls.crt` of a TLS Secret; null when there is none or it does not parse. */
export function certificateFacts(secret: SecretData): CertificateFacts | null {
  const pem = secret.data['tls.crt'];
  if (!pem) return null;
  try {
    const certificate = new X509Certificate(Buffer.from(pem, 'base64'));
    const dnsNames = (certificate.subjectAltName ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.startsWith('DNS:'))
      .map((name) => name.slice('DNS:'.length));
    const commonName = /CN=([^\n,]+)/.exec(certificate.subject)?.[1];
    return {
      subject: certificate.subject.replace(/\n/g, ', '),
      dnsNames: dnsNames.length > 0 ? dnsNames : commonName ? [commonName] : [],
      validFrom: new Date(certificate.validFrom).toISOString(),
      validTo: new Date(certificate.validTo).toISOString(),
    };
  } catch {
    return null;
  }
}

/** ConfigMap keys that hold a password: one equal to a Secret's value, or one named like a password. */
export function configMapPasswords(
  configMaps: readonly { name: string; data: Record<string, string> }[],
  secrets: readonly SecretData[],
): ConfigMapPasswordFacts[] {
  const secretValues = secrets
    .filter((secret) => secret.type !== 'kubernetes.io/tls')
    .flatMap((secret) =>
      Object.entries(secret.data).map(([key, value]) => ({
        secret: secret.name,
        key,
        value: Buffer.from(value, 'base64').toString('utf8'),
      })),
    )
    .filter((entry) => entry.value.length >= MIN_COMPARED_SECRET_LENGTH);
  return configMaps.flatMap((configMap) =>
    Object.entries(configMap.data).flatMap(([key, value]): ConfigMapPasswordFacts[] => {
      const same = secretValues.find((entry) => value.includes(entry.value));
      if (same) return [{ configMap: configMap.name, key, sameAs: { secret: same.secret, key: same.key } }];
      return PASSWORD_KEY.test(key) && value.trim() !== ''
        ? [{ configMap: configMap.name, key, sameAs: null }]
        : [];
    }),
  );
}
