import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../src/secrets/self-signed-certificate.js';
import { at, findObject, synthObjects } from '../support/manifests.js';

describe('Edge', () => {
  const objects = synthObjects();
  const ingress = findObject(objects, 'Ingress', 'quire');

  it("serves the seed's host on class nginx with TLS from the Secret, redirecting HTTP", () => {
    expect(at(ingress, 'spec', 'ingressClassName')).toBe('nginx');
    expect(at(ingress, 'spec', 'tls')).toEqual([
      { hosts: ['cccr-miniproject.com'], secretName: 'quire-tls' },
    ]);
    expect(at(ingress, 'spec', 'rules', 0, 'host')).toBe('cccr-miniproject.com');
    expect(at(ingress, 'spec', 'rules', 0, 'http', 'paths', 0)).toEqual({
      path: '/',
      pathType: 'Prefix',
      backend: { service: { name: 'quire-web', port: { number: 80 } } },
    });
    expect(at(ingress, 'metadata', 'annotations', 'nginx.ingress.kubernetes.io/force-ssl-redirect')).toBe(
      'true',
    );
  });

  it('stores the self-signed certificate as a kubernetes.io/tls Secret', () => {
    const secret = findObject(objects, 'Secret', 'quire-tls');
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Object.keys(secret.stringData as object)).toEqual(['tls.crt', 'tls.key']);
    expect(at(secret, 'metadata', 'annotations', 'quire.dev/certificate-host')).toBe('cccr-miniproject.com');
  });

  it('makes a ten-year certificate for the host (CN and subjectAltName)', () => {
    const pair = selfSignedCertificate('blog.example.com', new Date('2026-01-01T00:00:00Z'));
    const certificate = forge.pki.certificateFromPem(pair.certificate);
    expect((certificate.subject.getField('CN') as { value: string }).value).toBe('blog.example.com');
    expect(certificate.getExtension('subjectAltName')).toMatchObject({
      altNames: [{ type: 2, value: 'blog.example.com' }],
    });
    expect(certificate.validity.notAfter.toISOString()).toBe('2035-12-30T00:00:00.000Z');
    const key = forge.pki.privateKeyFromPem(pair.privateKey);
    expect(key.n.toString(16)).toBe((certificate.publicKey as forge.pki.rsa.PublicKey).n.toString(16));
  });

  it('asks cert-manager for the certificate when configured', () => {
    const managed = synthObjects({
      ingress: { tls: { mode: 'certManager', issuerName: 'le', issuerKind: 'Issuer' } },
    });
    expect(managed.some((object) => object.kind === 'Secret' && object.metadata.name === 'quire-tls')).toBe(
      false,
    );
    const certificate = findObject(managed, 'Certificate', 'quire-tls');
    expect(certificate.spec).toEqual({
      secretName: 'quire-tls',
      dnsNames: ['cccr-miniproject.com'],
      issuerRef: { name: 'le', kind: 'Issuer', group: 'cert-manager.io' },
    });
  });

  it("uses the user's own TLS Secret", () => {
    const own = synthObjects({ ingress: { tls: { mode: 'existingSecret', existingSecret: 'site-tls' } } });
    expect(own.some((object) => object.kind === 'Certificate' || object.metadata.name === 'quire-tls')).toBe(
      false,
    );
    expect(at(findObject(own, 'Ingress', 'quire'), 'spec', 'tls', 0, 'secretName')).toBe('site-tls');
  });
});
