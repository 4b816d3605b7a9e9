/** Password hashes (argon2id, OWASP's recommended parameters) and generated passwords. */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

// The library's default algorithm is argon2id (its Algorithm enum is a const enum this build cannot import).
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** Whether `password` matches the PHC string; a malformed hash is a mismatch. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** 20 URL-safe random characters (120 bits). */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/** Shortest password a user may choose. */
export const MIN_PASSWORD_LENGTH = 12;
