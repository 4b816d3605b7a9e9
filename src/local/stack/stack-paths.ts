/**
 * The local stack's state directory (default `.quire/local` beside the configuration): the DB
 * nodes' directories, the logs, the passwords file, the supervisor's plan and state. The only
 * place that names these files.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface StackPaths {
  /** The state directory itself. */
  readonly dir: string;
  /** Base directory of LocalMariaDbCluster (node directories, scripts, cluster.json). */
  readonly dbDir: string;
  /** Logs of the supervisor, the TLS proxy and the web workers. */
  readonly logDir: string;
  /** Uploaded media, shared by the workers. */
  readonly mediaDir: string;
  /** Generated passwords (mode 0600). */
  readonly passwordsFile: string;
  /** The app user's password alone, for QUIRE_DB_PASSWORD_FILE (mode 0600). */
  readonly dbPasswordFile: string;
  /** The session secret alone, for QUIRE_SESSION_SECRET_FILE (mode 0600). */
  readonly sessionSecretFile: string;
  /** TLS certificate and key the proxy serves (copied from the secret store, key mode 0600). */
  readonly certificateFile: string;
  readonly privateKeyFile: string;
  /** What the supervisor runs (written by `quire up`). */
  readonly planFile: string;
  /** What the supervisor runs now: pids, ports, restarts (written by the supervisor). */
  readonly supervisorStateFile: string;
  /** The supervisor's control socket (switchover, failover). */
  readonly controlSocket: string;
  readonly supervisorLog: string;
  /** Reads per DB node so far, over worker processes (ReadTally; written by the supervisor, kept by down). */
  readonly readCountsFile: string;
  /** The owner's first login, handed from the first worker to `quire up` (mode 0600, removed once shown). */
  readonly ownerLoginFile: string;
  /** What the last successful `quire up` took, step by step (UpTimings). */
  readonly upTimingsFile: string;
  /** Held while DB nodes are being started, so that `quire up` and the supervisor never start one twice. */
  readonly dbLockDir: string;
}

export function stackPaths(dir: string): StackPaths {
  const base = resolve(dir);
  const logDir = join(base, 'logs');
  return {
    dir: base,
    dbDir: join(base, 'db'),
    logDir,
    mediaDir: join(base, 'media'),
    passwordsFile: join(base, 'passwords.json'),
    dbPasswordFile: join(base, 'db-password'),
    sessionSecretFile: join(base, 'session-secret'),
    certificateFile: join(base, 'tls.crt'),
    privateKeyFile: join(base, 'tls.key'),
    planFile: join(base, 'plan.json'),
    supervisorStateFile: join(base, 'supervisor.json'),
    controlSocket: join(base, 'control.sock'),
    supervisorLog: join(logDir, 'supervisor.log'),
    readCountsFile: join(base, 'read-counts.json'),
    ownerLoginFile: join(base, 'owner-login.txt'),
    dbLockDir: join(base, 'db.lock'),
    upTimingsFile: join(base, 'up-timings.json'),
  };
}

/** Log file of web worker `index`. */
export function workerLog(paths: StackPaths, index: number): string {
  return join(paths.logDir, `web-${index}.log`);
}

/**
 * Create the directories. The state directory is 0700, except as root: MariaDB then runs as the
 * mysql user, which must pass through it (0711: it may enter, not list; every secret file is 0600).
 */
export function ensureStackDirs(paths: StackPaths, asRoot: boolean): void {
  const mode = asRoot ? 0o711 : 0o700;
  for (const dir of [paths.dir, paths.logDir, paths.mediaDir]) {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode });
  }
  chmodSync(paths.dir, mode);
  chmodSync(paths.logDir, 0o700);
  chmodSync(paths.mediaDir, 0o700);
}
