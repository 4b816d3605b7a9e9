/**
 * Admin sessions in the database. The cookie holds a random id; the table holds its SHA-256, so
 * a copy of the table opens no session. Sessions are written on the primary and read on a
 * replica after the login's GTID (read-your-writes), like any other write.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { ReadOnlyKysely } from '../../db/index.js';
import type { Tables, User } from '../tables.js';

export const SESSION_DAYS = 14;

function idHash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/** Open a session for `userId`; returns the id to put in the cookie. */
export async function createSession(trx: Transaction<Tables>, userId: number, now: Date): Promise<string> {
  const sessionId = randomBytes(32).toString('base64url');
  await trx
    .insertInto('session')
    .values({
      id_hash: idHash(sessionId),
      user_id: userId,
      expires_at: new Date(now.getTime() + SESSION_DAYS * 86_400_000),
    })
    .execute();
  // Expired sessions go away as new ones come.
  await trx.deleteFrom('session').where('expires_at', '<', now).execute();
  return sessionId;
}

export type SessionUser = Pick<User, 'id' | 'email' | 'name' | 'slug' | 'role'>;

/** The user of a live session, or undefined. */
export function readSessionUser(
  db: ReadOnlyKysely<Tables>,
  sessionId: string,
  now: Date,
): Promise<SessionUser | undefined> {
  return db
    .selectFrom('session')
    .innerJoin('user', 'user.id', 'session.user_id')
    .select(['user.id', 'user.email', 'user.name', 'user.slug', 'user.role'])
    .where('session.id_hash', '=', idHash(sessionId))
    .where('session.expires_at', '>', now)
    .executeTakeFirst();
}

export async function deleteSession(trx: Transaction<Tables>, sessionId: string): Promise<void> {
  await trx.deleteFrom('session').where('id_hash', '=', idHash(sessionId)).execute();
}

/** End every session of `userId` but `keepSessionId` (after a password change). */
export async function deleteOtherSessions(
  trx: Transaction<Tables>,
  userId: number,
  keepSessionId: string,
): Promise<void> {
  await trx
    .deleteFrom('session')
    .where('user_id', '=', userId)
    .where('id_hash', '!=', idHash(keepSessionId))
    .execute();
}
