/**
 * The local stack's passwords: the DB Secret's accounts (root, replication, monitor, failover), the app user's
 * and the session secret, generated once into a 0600 file and kept for the life of the data
 * directories (the nodes and the app user are bootstrapped with them).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { generatePassword } from '../../secrets/secret-store.js';
import type { LocalMariaDbPasswords } from '../mariadb/index.js';
import { LocalStackError } from './errors.js';
import type { StackPaths } from './stack-paths.js';

export interface StackPasswords extends LocalMariaDbPasswords {
  /** The app user's (database.user). */
  readonly app: string;
  /** Signs the web app's session cookies (at least 32 characters). */
  readonly session: string;
}

const KEYS = ['root', 'replication', 'monitor', 'failover', 'app', 'session'] as const;

function writePrivate(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The stored passwords, generating the file (and any key missing from it) the first time. */
export function loadStackPasswords(paths: StackPaths): StackPasswords {
  let stored: Record<string, unknown> = {};
  if (existsSync(paths.passwordsFile)) {
    try {
      stored = JSON.parse(readFileSync(paths.passwordsFile, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new LocalStackError(
        'LOCAL_STACK_STATE',
        `${paths.passwordsFile} is damaged (not JSON); restore it, or run quire down --purge to start from nothing`,
        2,
      );
    }
  }
  const passwords = Object.fromEntries(
    KEYS.map((key) => {
      const value = stored[key];
      return [key, typeof value === 'string' && value !== '' ? value : generatePassword()];
    }),
  ) as unknown as StackPasswords;
  if (KEYS.some((key) => stored[key] !== passwords[key])) {
    writePrivate(paths.passwordsFile, `${JSON.stringify(passwords, null, 2)}\n`);
  }
  writePrivate(paths.dbPasswordFile, passwords.app);
  writePrivate(paths.sessionSecretFile, passwords.session);
  return passwords;
}
