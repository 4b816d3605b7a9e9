/**
 * Generated secrets of `quire synth`, kept in a state file (mode 0600, outside git) so that every
 * synth of the same configuration yields the same passwords and certificate. A value is generated
 * the first time a construct asks for it and reused after; a certificate is made anew only when
 * the host changes.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../config/errors.js';
import type { SecretValues, TlsPair } from '../k8s/secret-values.js';
import { selfSignedCertificate } from './self-signed-certificate.js';

/** File name of the store inside the state directory. */
export const SECRETS_FILE = 'secrets.json';

const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random password of 32 letters and digits (about 190 bits). */
export function generatePassword(length = 32): string {
  const bytes = randomBytes(length * 2);
  let password = '';
  // Rejection sampling keeps every character equally likely.
  for (const byte of bytes) {
    if (byte < 248) password += PASSWORD_ALPHABET.charAt(byte % 62);
    if (password.length === length) return password;
  }
  return password + generatePassword(length - password.length);
}

interface StoredTls extends TlsPair {
  readonly host: string;
}

interface StoreFile {
  readonly version: 1;
  /** namespace → Secret name → key → value. */
  readonly passwords: Record<string, Record<string, Record<string, string>>>;
  /** namespace → Secret name → certificate. */
  readonly certificates: Record<string, Record<string, StoredTls>>;
}

export class SecretStore {
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly data: StoreFile,
  ) {}

  /** Open the store in `stateDir` (it need not exist yet). */
  static async open(stateDir: string): Promise<SecretStore> {
    const file = join(stateDir, SECRETS_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return new SecretStore(file, { version: 1, passwords: {}, certificates: {} });
      }
      throw new UserError('STATE_INVALID', `cannot read ${file}: ${String(error)}`);
    }
    try {
      const data = JSON.parse(text) as Partial<StoreFile> | null;
      if (
        data?.version !== 1 ||
        typeof data.passwords !== 'object' ||
        typeof data.certificates !== 'object'
      ) {
        throw new Error('unknown layout');
      }
      return new SecretStore(file, data as StoreFile);
    } catch (error) {
      throw new UserError(
        'STATE_INVALID',
        `${file} is damaged (${(error as Error).message}). Restore it from a backup, or delete it to generate new secrets (the cluster's Secrets then no longer match).`,
      );
    }
  }

  /** The values for one namespace, generating what is missing. */
  valuesFor(namespace: string): SecretValues {
    return {
      password: (secretName, key) => {
        const secret = ((this.data.passwords[namespace] ??= {})[secretName] ??= {});
        if (secret[key] === undefined) {
          secret[key] = generatePassword();
          this.changed = true;
        }
        return secret[key];
      },
      selfSignedTls: (secretName, host) => {
        const certificates = (this.data.certificates[namespace] ??= {});
        const stored = certificates[secretName];
        if (stored?.host === host) return stored;
        const fresh = { host, ...selfSignedCertificate(host) };
        certificates[secretName] = fresh;
        this.changed = true;
        return fresh;
      },
    };
  }

  /** Write the store if anything was generated: to a temporary file first, so it is never half-written. */
  async save(): Promise<void> {
    if (!this.changed) return;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, this.file);
    this.changed = false;
  }
}
