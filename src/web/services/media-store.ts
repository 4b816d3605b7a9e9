/**
 * Uploaded images, checked by their bytes (not the name or the browser's type) and stored under
 * their SHA-256, so that the same image is stored once and a URL never changes content (it can be
 * cached for a year).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileTypeFromBuffer } from 'file-type';

/** Image types accepted, by the extension they are stored with. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

export class MediaRejectedError extends Error {
  override readonly name = 'MediaRejectedError';
  readonly statusCode = 415;
}

/** Store `bytes` in `dir`; returns the public path (`/media/<hash>.<ext>`). */
export async function storeImage(dir: string, bytes: Buffer): Promise<string> {
  if (bytes.length === 0) throw new MediaRejectedError('the uploaded file is empty');
  const type = await fileTypeFromBuffer(bytes);
  const extension = type === undefined ? undefined : IMAGE_TYPES[type.mime];
  if (extension === undefined) {
    throw new MediaRejectedError(
      `the upload is ${type?.mime ?? 'not a recognised file type'}; upload a PNG, JPEG, GIF, WebP or AVIF image`,
    );
  }
  const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.${extension}`;
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(join(dir, name), bytes, { flag: 'wx' });
  } catch (error) {
    // The same image uploaded before: the file is already there.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return `/media/${name}`;
}
