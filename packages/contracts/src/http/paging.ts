import { z } from 'zod';

/** How many items a page of a list holds: 1 to 100, 20 when not given. */
export const PageLimit = z.coerce.number().int().min(1).max(100).default(20);
