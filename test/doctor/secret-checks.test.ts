import { describe, expect, it } from 'vitest';
import { secretChecks } from '../../src/doctor/checks/secret-checks.js';
import { loadFixture } from './fixtures.js';

describe('secretChecks', () => {
  it('finds nothing on the healthy stack', () => {
    expect(secretChecks(loadFixture('healthy-stack'))).toEqual([]);
  });

  it('finds the password put in a ConfigMap, without its value', () => {
    const recorded = loadFixture('pod-faults');
    expect(recorded.configMapPasswords).toEqual([
      { configMap: 'seed-app-config', key: 'WORDPRESS_DB_PASSWORD', sameAs: null },
    ]);
    const [found, ...others] = secretChecks(recorded);
    expect(others).toEqual([]);
    expect(found?.id).toBe('PASSWORD_IN_CONFIGMAP');
    expect(found?.summary).toBe('ConfigMap seed-app-config key WORDPRESS_DB_PASSWORD holds a password');
  });

  it('reports a Secret Quire needs when it is gone', () => {
    const recorded = loadFixture('healthy-stack');
    const findings = secretChecks({
      ...recorded,
      secrets: recorded.secrets.filter((secret) => secret.name !== 'quire-mariadb-credentials'),
    });
    expect(findings.map((entry) => entry.summary)).toEqual([
      'Secret quire-mariadb-credentials (database passwords) does not exist in namespace e2e-doctor',
    ]);
  });

  it('keeps only key names of the recorded Secrets, never values', () => {
    const recorded = JSON.stringify(loadFixture('healthy-stack'));
    expect(recorded).not.toMatch(/BEGIN (RSA |EC )?PRIVATE KEY/);
    expect(recorded).not.toContain('"data"');
  });
});
