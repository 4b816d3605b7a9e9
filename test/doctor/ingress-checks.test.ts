import { describe, expect, it } from 'vitest';
import { coversHost, ingressChecks } from '../../src/doctor/checks/ingress-checks.js';
import { loadFixture } from './fixtures.js';

describe('coversHost', () => {
  it.each([
    ['cccr-miniproject.com', 'cccr-miniproject.com', true],
    ['CCCR-miniproject.com', 'cccr-miniproject.COM', true],
    ['*.example.com', 'blog.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.blog.example.com', false],
    ['elsewhere.example', 'old.example', false],
  ])('%s covers %s: %s', (dnsName, host, expected) => {
    expect(coversHost(dnsName, host)).toBe(expected);
  });
});

describe('ingressChecks', () => {
  it('finds nothing on the healthy stack', () => {
    expect(ingressChecks(loadFixture('healthy-stack'))).toEqual([]);
  });

  it('reports the missing TLS Secret of the Ingress', () => {
    const [found, ...others] = ingressChecks(loadFixture('tls-secret-missing'));
    expect(others).toEqual([]);
    expect(found?.id).toBe('INGRESS_TLS_SECRET_MISSING');
    expect(found?.summary).toBe(
      'Ingress quire serves doctor.e2e.test with TLS Secret quire-tls, which does not exist',
    );
    expect(found?.fix).toContain('run quire deploy again');
  });

  it('reports a class nobody serves, an expired certificate and one for another host', () => {
    const findings = ingressChecks(loadFixture('pod-faults'));
    expect(findings.map((entry) => entry.id)).toEqual([
      'INGRESS_CLASS_MISSING',
      'TLS_CERT_EXPIRED',
      'TLS_CERT_HOST_MISMATCH',
    ]);
    expect(findings[0]?.summary).toBe(
      'Ingress old-site names IngressClass nginx, which does not exist (classes: traefik)',
    );
    expect(findings[2]?.summary).toBe(
      'the certificate in old-tls does not cover old.example (it names elsewhere.example)',
    );
  });

  it('reports an Ingress without address when its class exists', () => {
    const recorded = loadFixture('healthy-stack');
    const [found] = ingressChecks({
      ...recorded,
      ingresses: recorded.ingresses.map((ingress) => ({ ...ingress, addresses: [] })),
    });
    expect(found?.id).toBe('INGRESS_NO_ADDRESS');
    expect(found?.summary).toContain('class traefik');
  });
});
