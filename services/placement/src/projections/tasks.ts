import type { Projection, Tx } from '@casework/eventstore';
import { sql } from 'kysely';
import type { TaskEvent } from '../domain/task.js';
import { type Recorded, recorded } from './recorded.js';

type Event = Recorded<TaskEvent>;

/**
 * Case managers' tasks, opened and closed (every version kept in `tasks_history`).
 */
export const tasksProjection = (schema: string): Projection => {
  const t = (name: string) => sql.id(schema, name);

  async function apply(e: Event, tx: Tx): Promise<void> {
    switch (e.type) {
      case 'TaskOpened': {
        const d = e.data;
        await sql`INSERT INTO ${t('tasks')} (task_id, kind, client_id, placement_id, municipality, opened_on, detail, caused_by,
            recorded_at)
          VALUES (${d.taskId}::uuid, ${d.kind}, ${d.clientId}::uuid, ${d.placementId ?? null}::uuid, ${d.municipality},
            ${d.on}::date, ${d.detail}, ${d.causedBy ?? null}::uuid, ${e.recordedAt}::timestamptz)`.execute(
          tx,
        );
        return;
      }
      case 'TaskClosed':
        await sql`UPDATE ${t('tasks')} SET closed_on = ${e.data.on}::date, closing_note = ${e.data.note},
            recorded_at = ${e.recordedAt}::timestamptz
          WHERE task_id = ${e.data.taskId}::uuid`.execute(tx);
        return;
      default:
        return;
    }
  }

  return {
    name: 'tasks',
    handles: ['TaskOpened', 'TaskClosed'],
    async apply(event, tx) {
      await apply(recorded<TaskEvent>(event), tx);
    },
    async reset(tx) {
      await sql`TRUNCATE ${t('tasks')}, ${t('tasks_history')}`.execute(tx);
    },
  };
};
