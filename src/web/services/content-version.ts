/** The content version row (see page-cache.ts): bumped inside every write that changes a public page. */
import type { Transaction } from 'kysely';
import type { Tables } from '../tables.js';

/** Bump the version in `trx` and return the new value. */
export async function bumpContentVersion(trx: Transaction<Tables>): Promise<number> {
  await trx
    .updateTable('content_version')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', 1)
    .execute();
  const row = await trx
    .selectFrom('content_version')
    .select('version')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return row.version;
}
