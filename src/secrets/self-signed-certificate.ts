import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import type { TlsPair } from '../k8s/secret-values.js';

/** Validity of a generated certificate: ten years, as the seed's `openssl` command gave. */
export const SELF_SIGNED_VALIDITY_DAYS = 3650;

/**
 * A self-signed certificate for `host` (CN and subjectAltName), RSA 2048 / SHA-256, valid for
 * ten years from now. The same certificate serves the Ingress and the local stack.
 */
export function selfSignedCertificate(host: string, now = new Date()): TlsPair {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = keys.publicKey;
  // A positive serial: the first bit clear.
  certificate.serialNumber = `0${randomBytes(15).toString('hex')}`;
  certificate.validity.notBefore = now;
  certificate.validity.notAfter = new Date(now.getTime() + SELF_SIGNED_VALIDITY_DAYS * 86_400_000);
  const subject = [{ name: 'commonName', value: host }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: host }] },
  ]);
  certificate.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certificate: forge.pki.certificateToPem(certificate),
    privateKey: forge.pki.privateKeyToPem(keys.privateKey),
  };
}
