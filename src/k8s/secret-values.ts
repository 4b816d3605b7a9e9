/**
 * Where generated secret material comes from. Constructs ask for "the value of key K in Secret S"
 * and never see how it is made: `quire synth` generates each value once and keeps it in a state
 * file, so that every synth yields the same passwords and certificate; the chart turns each request
 * into a template that reuses the value of the installed Secret or generates one at install.
 */

/** A self-signed certificate and its private key, both PEM. */
export interface TlsPair {
  readonly certificate: string;
  readonly privateKey: string;
}

export interface SecretValues {
  /** A random password for `key` of the Secret `secretName`. */
  password(secretName: string, key: string): string;
  /** A self-signed certificate for `host`, kept in the Secret `secretName`. */
  selfSignedTls(secretName: string, host: string): TlsPair;
}
