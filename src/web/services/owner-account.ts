/**
 * The first run's owner account. Several processes may start at once: the content version row is
 * locked (FOR UPDATE) while the users are counted, so only one of them creates the owner.
 */
import type { Database } from '../../db/index.js';
import type { Tables } from '../tables.js';
import { generatePassword, hashPassword } from './passwords.js';

export interface CreatedOwner {
  readonly email: string;
  /** Shown once to whoever started the app; only its hash is stored. */
  readonly password: string;
}

/** Create the owner if there is no user yet; undefined when there was one. */
export async function ensureOwner(db: Database<Tables>, email: string): Promise<CreatedOwner | undefined> {
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const { value } = await db.writer.write(async (trx) => {
    await trx.selectFrom('content_version').select('id').where('id', '=', 1).forUpdate().execute();
    const existing = await trx.selectFrom('user').select('id').limit(1).executeTakeFirst();
    if (existing !== undefined) return false;
    await trx
      .insertInto('user')
      .values({ email, name: 'Owner', slug: 'owner', bio: '', role: 'owner', password_hash: passwordHash })
      .execute();
    return true;
  });
  return value ? { email, password } : undefined;
}
