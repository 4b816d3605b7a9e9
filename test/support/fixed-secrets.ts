import type { SecretValues } from '../../src/k8s/secret-values.js';

/** Deterministic secret values for tests that compare manifests. */
export const fixedSecrets: SecretValues = {
  password: (secretName, key) => `test-${secretName}-${key}`,
  selfSignedTls: (secretName, host) => ({
    certificate: `-----BEGIN CERTIFICATE-----\n${host}\n-----END CERTIFICATE-----\n`,
    privateKey: `-----BEGIN PRIVATE KEY-----\n${secretName}\n-----END PRIVATE KEY-----\n`,
  }),
};
