import { describe, expect, it } from 'vitest';
import { certificateFacts, configMapPasswords, type SecretData } from '../../src/doctor/secret-facts.js';
import { selfSignedCertificate } from '../../src/secrets/self-signed-certificate.js';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const credentials: SecretData = {
  name: 'quire-mariadb-credentials',
  type: 'Opaque',
  data: { password: base64('f3kP9wQ2zLm7Xc4v'), user: base64('quire') },
};

describe('configMapPasswords', () => {
  it.each([
    // A Secret's value repeated in a ConfigMap, under any key name.
    [
      { DB_SETTINGS: 'host=db user=quire pass=f3kP9wQ2zLm7Xc4v' },
      [{ key: 'DB_SETTINGS', sameAs: { secret: 'quire-mariadb-credentials', key: 'password' } }],
    ],
    // A password-named key with a value of its own.
    [{ WORDPRESS_DB_PASSWORD: 'hunter2' }, [{ key: 'WORDPRESS_DB_PASSWORD', sameAs: null }]],
    [{ 'db.passwd': 'x' }, [{ key: 'db.passwd', sameAs: null }]],
    // Empty password keys, short common values and look-alike names are not passwords.
    [{ WORDPRESS_DB_PASSWORD: '' }, []],
    [{ WORDPRESS_DB_USER: 'quire' }, []],
    [{ passage: 'a long text', bypass_cache: 'true', 'run-server.sh': '#!/bin/bash' }, []],
  ])('%o', (data, expected) => {
    expect(configMapPasswords([{ name: 'app', data }], [credentials])).toEqual(
      expected.map((entry) => ({ configMap: 'app', ...entry })),
    );
  });

  it('does not compare certificates, which ConfigMaps may rightly repeat', () => {
    const pair = selfSignedCertificate('cccr-miniproject.com');
    const tls: SecretData = {
      name: 'quire-tls',
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': base64(pair.certificate) },
    };
    expect(configMapPasswords([{ name: 'ca', data: { 'ca.crt': pair.certificate } }], [tls])).toEqual([]);
  });
});

describe('certificateFacts', () => {
  it('reads the DNS names and validity of a TLS Secret', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const pair = selfSignedCertificate('cccr-miniproject.com', now);
    const facts = certificateFacts({
      name: 'quire-tls',
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': base64(pair.certificate) },
    });
    expect(facts).toEqual({
      subject: 'CN=cccr-miniproject.com',
      dnsNames: ['cccr-miniproject.com'],
      validFrom: '2026-01-01T00:00:00.000Z',
      validTo: '2035-12-30T00:00:00.000Z',
    });
  });

  it('gives null for a Secret whose certificate does not parse', () => {
    expect(
      certificateFacts({
        name: 'quire-tls',
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': base64('not a certificate') },
      }),
    ).toBeNull();
  });
});
