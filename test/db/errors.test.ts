import { describe, expect, it } from 'vitest';
import { isConnectionError, isReadOnlyError } from '../../src/db/errors.js';

/** The fields mysql2 gives a server's error. */
function serverError(errno: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { errno, code, sqlState: 'HY000', fatal: false });
}

describe('isReadOnlyError', () => {
  it.each([
    {
      case: 'read_only (MariaDB 10.11)',
      error: serverError(
        1290,
        'ER_OPTION_PREVENTS_STATEMENT',
        'The MariaDB server is running with the --read-only option so it cannot execute this statement',
      ),
      readOnly: true,
    },
    {
      case: 'read_only (MariaDB 11.x names the value)',
      error: serverError(
        1290,
        'ER_OPTION_PREVENTS_STATEMENT',
        'The MariaDB server is running with the --read-only=ON option so it cannot execute this statement',
      ),
      readOnly: true,
    },
    {
      case: 'read_only, lc_messages de_DE',
      error: serverError(
        1290,
        'ER_OPTION_PREVENTS_STATEMENT',
        'Der MariaDB-Server läuft mit der Option --read-only und kann diese Anweisung deswegen nicht ausführen',
      ),
      readOnly: true,
    },
    {
      // The same errno for another option says nothing about the primary.
      case: 'secure_file_priv',
      error: serverError(
        1290,
        'ER_OPTION_PREVENTS_STATEMENT',
        'The MariaDB server is running with the --secure-file-priv option so it cannot execute this statement',
      ),
      readOnly: false,
    },
    {
      // innodb_read_only, a start option that no failover sets, gives this (MariaDB 10.11).
      case: 'table read only',
      error: serverError(1036, 'ER_OPEN_AS_READONLY', "Table 'post' is read only"),
      readOnly: false,
    },
    { case: 'not an object', error: 'read-only', readOnly: false },
  ])('$case: $readOnly', ({ error, readOnly }) => {
    expect(isReadOnlyError(error)).toBe(readOnly);
    // A read-only server is reachable: the two never both hold.
    expect(isConnectionError(error)).toBe(false);
  });
});
