/** The route parameters more than one route module takes. */
import { z } from 'zod';
import { SLUG_PATTERN } from '../services/slug.js';

export const idParams = z.strictObject({
  id: z.coerce
    .number()
    .int()
    .min(1)
    .max(2 ** 31),
});

export const slugParams = z.strictObject({
  slug: z
    .string()
    .max(191)
    .regex(SLUG_PATTERN, { message: 'must be a slug: lowercase letters, digits and "-"' }),
});
