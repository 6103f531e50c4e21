import { z } from 'zod';
import { Instant, LocalDate } from '../../localDate.js';

// The as-of query every placement read model answers: a date in the world and a time of knowledge.

/** As of a date (default today), as known at a time (default now). */
export const AsOfQuery = z.object({
  asOf: LocalDate.optional().meta({ description: 'What was true on this date (default today)' }),
  knownAt: Instant.optional().meta({
    description: 'As recorded up to this time (default now): what we knew then',
  }),
});
