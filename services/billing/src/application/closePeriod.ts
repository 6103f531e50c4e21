import type { LocalDate, Month, MunicipalityCode } from '@casework/contracts';
import { type Cause, execute, type ServiceContext } from '@casework/service-kit';
import { periodDecider } from '../domain/period.js';
import { definitions, periodStream } from './events.js';

/** Closes a municipality's month: its statements are frozen from now on (idempotent). */
export const closePeriod = (
  ctx: ServiceContext,
  p: { municipality: MunicipalityCode; month: Month; today: LocalDate; cause: Cause },
) =>
  execute(ctx, {
    streamId: periodStream(p.municipality, p.month),
    streamType: 'period',
    decider: periodDecider,
    definitions,
    command: { type: 'Close', municipality: p.municipality, month: p.month, today: p.today },
    cause: p.cause,
  });
