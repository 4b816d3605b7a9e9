/**
 * Content API keys. A key is 26 random hex characters (104 bits from the system's CSPRNG), the
 * form Ghost's keys have and `@tryghost/content-api` checks for. The table holds its SHA-256 and
 * last 4 characters only: the key is shown once, when it is made, like a new user's password.
 * Revoking a key bumps the content version in the same transaction, so that the page caches
 * drop the responses made for it (a cached response is sent without looking at the key again).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { ReadOnlyKysely } from '../../db/index.js';
import type { Tables } from '../tables.js';
import { bumpContentVersion } from './content-version.js';

const KEY_BYTES = 13;

function secretHash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface CreatedContentApiKey {
  readonly id: number;
  /** Shown once to whoever made it; only its hash is stored. */
  readonly key: string;
}

export async function createContentApiKey(
  trx: Transaction<Tables>,
  name: string,
  createdBy: number,
): Promise<CreatedContentApiKey> {
  const key = randomBytes(KEY_BYTES).toString('hex');
  const result = await trx
    .insertInto('content_api_key')
    .values({ name, secret_hash: secretHash(key), secret_hint: key.slice(-4), created_by: createdBy })
    .executeTakeFirstOrThrow();
  return { id: Number(result.insertId), key };
}

/** Revoke key `id`: the new content version, or undefined when there is no such live key. */
export async function revokeContentApiKey(
  trx: Transaction<Tables>,
  id: number,
  now: Date,
): Promise<number | undefined> {
  const result = await trx
    .updateTable('content_api_key')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n ? bumpContentVersion(trx) : undefined;
}

export interface ContentApiKeyRow {
  readonly id: number;
  readonly name: string;
  readonly secret_hint: string;
  readonly created_at: Date;
  readonly revoked_at: Date | null;
  readonly created_by_name: string;
}

/** Every key, live ones first, newest first. */
export function listContentApiKeys(db: ReadOnlyKysely<Tables>): Promise<ContentApiKeyRow[]> {
  return db
    .selectFrom('content_api_key')
    .innerJoin('user', 'user.id', 'content_api_key.created_by')
    .select([
      'content_api_key.id',
      'content_api_key.name',
      'content_api_key.secret_hint',
      'content_api_key.created_at',
      'content_api_key.revoked_at',
      'user.name as created_by_name',
    ])
    .orderBy((eb) => eb('content_api_key.revoked_at', 'is not', null))
    .orderBy('content_api_key.id', 'desc')
    .execute();
}

export type ContentApiKeyState = 'live' | 'revoked' | 'unknown';

export async function contentApiKeyState(
  db: ReadOnlyKysely<Tables>,
  key: string,
): Promise<ContentApiKeyState> {
  const row = await db
    .selectFrom('content_api_key')
    .select('revoked_at')
    .where('secret_hash', '=', secretHash(key))
    .executeTakeFirst();
  if (row === undefined) return 'unknown';
  return row.revoked_at === null ? 'live' : 'revoked';
}
