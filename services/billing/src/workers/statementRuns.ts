import { pollingWorker, type ServiceContext, type Worker } from '@casework/service-kit';
import { runWaitingStatementRuns } from '../application/statementRuns.js';

/** Does the statement runs asked for in the background, and takes again those a killed instance left. */
export const statementRunsWorker = (ctx: ServiceContext, options: { pollMs?: number } = {}): Worker =>
  pollingWorker(ctx, 'statement-runs', options.pollMs ?? 1_000, () => runWaitingStatementRuns(ctx));
