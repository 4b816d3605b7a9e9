/**
 * Errors a user can fix. The CLI prints their message (never a stack trace) and exits with their
 * code; anything else is a bug in Quire and is reported as one.
 */

/** Exit code of a usage or configuration error (bad flag, bad value, unreadable file). */
export const EXIT_USAGE = 2;
/** Exit code when the work itself failed (a tool or cluster refused). */
export const EXIT_FAILURE = 1;

/** Stable codes, one per kind of user error; docs/errors.md gives each its cause and fix. */
export type UserErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_UNREADABLE'
  | 'CONFIG_SYNTAX'
  | 'OUTPUT_EXISTS'
  | 'OUTPUT_UNWRITABLE'
  | 'STATE_INVALID'
  | 'CLUSTER_UNREACHABLE'
  | 'CLUSTER_REFUSED'
  | 'CRD_MISSING'
  | 'DEPLOY_TIMEOUT'
  | 'DESTROY_TIMEOUT'
  | 'DOCTOR_FOUND_ERRORS'
  | 'ROLE_CHANGE_REFUSED'
  | 'ROLE_CHANGE_UNANSWERED';

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
  }
}

/** One wrong value in a configuration: where, what is wrong, and a value that would be right. */
export interface ConfigProblem {
  /** Dotted path of the field, e.g. `web.autoscaling.minReplicas`. */
  readonly path: string;
  readonly message: string;
  /** A good value for the field, when the schema gives one. */
  readonly example?: string;
}

export class ConfigError extends UserError {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super('CONFIG_INVALID', formatProblems(source, problems));
  }
}

function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = problems.map((problem) => {
    const example = problem.example === undefined ? '' : ` (example: ${problem.example})`;
    return `  - ${problem.path || '(top level)'}: ${problem.message}${example}`;
  });
  return [`${source} is invalid (${count}):`, ...lines].join('\n');
}
