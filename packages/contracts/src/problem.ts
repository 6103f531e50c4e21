import { z } from 'zod';

/** RFC 9457 problem details, as every Casework error is returned. */
export const Problem = z
  .object({
    type: z.string().meta({
      example: 'https://casework.bg/problems/validation',
      description:
        'The problem type: the codes are listed in docs/problems/README.md, each with its statuses',
    }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string().optional().meta({ description: 'Stable machine-readable error code' }),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Each invalid field, as a JSON pointer-like dotted path' }),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_BASE = 'https://casework.bg/problems/';

/** What a command route may answer besides success: invalid input … stale If-Match, a broken rule. */
export const commandProblems = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
  412: Problem,
  422: Problem,
} as const;
