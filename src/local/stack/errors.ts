/**
 * Errors of the local stack (`quire up`, `quire down`, `quire local status`, `quire logs`). Each
 * says what failed and how to fix it, with a stable code and the exit code the CLI ends with.
 * Errors of the MariaDB nodes themselves are the LocalMariaDbError family of `../mariadb/errors.ts`.
 */

export type LocalStackErrorCode =
  | 'LOCAL_STACK_STATE'
  | 'LOCAL_STACK_START_FAILED'
  | 'LOCAL_STACK_NOT_STARTED'
  | 'LOCAL_STACK_UNKNOWN_COMPONENT'
  | 'LOCAL_STACK_NOT_RUNNING'
  | 'LOCAL_STACK_ROLE_CHANGE_REFUSED';

export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
  constructor(
    readonly code: LocalStackErrorCode,
    message: string,
    /** 2: the user fixes something on the machine or the command line; 1: the work itself failed. */
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}
