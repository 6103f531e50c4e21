import type { Tx } from '@casework/eventstore';
import type { Cause, ServiceContext } from '@casework/service-kit';
import { type TaskCommand, taskDecider } from '../domain/task.js';
import { decideIn } from './decideIn.js';
import { taskStream } from './streams.js';

/** Opens a task for a case manager (from a consumed event, so the inbox makes it happen once). */
export function openTask(
  ctx: ServiceContext,
  tx: Tx,
  task: Omit<Extract<TaskCommand, { type: 'Open' }>, 'type' | 'taskId'>,
  cause: Cause,
) {
  const taskId = ctx.newId();
  return decideIn(
    ctx,
    tx,
    { streamId: taskStream(taskId), streamType: 'task' },
    taskDecider,
    {
      type: 'Open',
      taskId,
      ...task,
    },
    cause,
  );
}
