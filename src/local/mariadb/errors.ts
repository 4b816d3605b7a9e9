/**
 * Errors of the local MariaDB runner. Each says what failed and how to fix it; each has a stable
 * code (to join the catalogue in `src/config/errors.ts` and `docs/errors.md` once the CLI uses them)
 * and the exit code the CLI should end with.
 */

export type LocalMariaDbErrorCode =
  | 'LOCAL_DB_TOOL_MISSING'
  | 'LOCAL_DB_PORT_IN_USE'
  | 'LOCAL_DB_PORT_CHANGED'
  | 'LOCAL_DB_DIRECTORY'
  | 'LOCAL_DB_DISK_FULL'
  | 'LOCAL_DB_SCRIPT_FAILED'
  | 'LOCAL_DB_CLONE_FAILED'
  | 'LOCAL_DB_START_FAILED'
  | 'LOCAL_DB_NOT_RUNNING'
  | 'LOCAL_DB_NODE_RUNNING'
  | 'LOCAL_DB_STOP_FAILED'
  | 'LOCAL_DB_PRIMARY_DATA_MISSING';

/** Exit code of a problem the user fixes on the machine (a package, a port, a directory). */
export const EXIT_USAGE = 2;
/** Exit code when the work itself failed (a script, a clone, a server that would not start). */
const EXIT_FAILURE = 1;

export class LocalMariaDbError extends Error {
  override readonly name: string = 'LocalMariaDbError';
  constructor(
    readonly code: LocalMariaDbErrorCode,
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}

/** Binaries the scripts need are not on PATH. */
export class MissingToolError extends LocalMariaDbError {
  override readonly name = 'MissingToolError';
  constructor(
    readonly tools: readonly string[],
    readonly installCommand: string,
    path: string,
  ) {
    super(
      'LOCAL_DB_TOOL_MISSING',
      `cannot run MariaDB locally: ${tools.join(', ')} not found on PATH (${path}); install with: ${installCommand}`,
      EXIT_USAGE,
    );
  }
}

/** A port a node needs is taken by another process. */
export class PortInUseError extends LocalMariaDbError {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly purpose: string,
    readonly owner: string | undefined,
  ) {
    const by = owner === undefined ? 'another process' : owner;
    super(
      'LOCAL_DB_PORT_IN_USE',
      `port ${port} (${purpose}) is in use by ${by}; stop it, or choose another port`,
      EXIT_USAGE,
    );
  }
}

/** A directory the nodes need cannot be used by the user that runs them. */
export class DirectoryError extends LocalMariaDbError {
  override readonly name = 'DirectoryError';
  constructor(
    readonly path: string,
    problem: string,
    fix: string,
  ) {
    super('LOCAL_DB_DIRECTORY', `${path}: ${problem}; ${fix}`, EXIT_USAGE);
  }
}

/** One of the pod scripts ended with an error. */
export class ScriptFailedError extends LocalMariaDbError {
  override readonly name = 'ScriptFailedError';
  constructor(
    readonly node: string,
    readonly script: string,
    readonly exitStatus: string,
    readonly output: string,
  ) {
    super('LOCAL_DB_SCRIPT_FAILED', `${script} on ${node} failed (${exitStatus}):\n${output}`);
  }
}

/** A replica could not be seeded from its donor. */
export class CloneFailedError extends LocalMariaDbError {
  override readonly name = 'CloneFailedError';
  constructor(
    readonly node: string,
    readonly donor: string,
    reason: string,
    readonly logTail: string,
  ) {
    super('LOCAL_DB_CLONE_FAILED', `${node} could not be cloned from ${donor}: ${reason}\n${logTail}`);
  }
}

/** A node's server or replication sidecar exited or did not become ready in time. */
export class NodeStartError extends LocalMariaDbError {
  override readonly name = 'NodeStartError';
  constructor(
    readonly node: string,
    reason: string,
    readonly logTail: string,
  ) {
    super('LOCAL_DB_START_FAILED', `${node} did not start: ${reason}\n${logTail}`);
  }
}

/** An operation needs a node that is not running. */
export class NodeNotRunningError extends LocalMariaDbError {
  override readonly name = 'NodeNotRunningError';
  constructor(
    readonly node: string,
    needed: string,
  ) {
    super('LOCAL_DB_NOT_RUNNING', `${node} is not running, and ${needed}; start it first`);
  }
}

/**
 * The primary's data directory is empty while replicas hold data: starting would initialise a new,
 * empty primary that the replicas cannot follow.
 */
export class PrimaryDataMissingError extends LocalMariaDbError {
  override readonly name = 'PrimaryDataMissingError';
  constructor(readonly dataDir: string) {
    super(
      'LOCAL_DB_PRIMARY_DATA_MISSING',
      `the primary's data directory ${dataDir} holds no initialised server, but replicas hold data; ` +
        `restore it, or remove the replicas' data directories too to start from an empty database`,
      EXIT_USAGE,
    );
  }
}
