import {
  conflictWith,
  type Decider,
  type EventOf,
  type LocalDate,
  type TaskClosed,
  type TaskOpened,
} from '@casework/contracts';

export type TaskEvent = EventOf<typeof TaskOpened> | EventOf<typeof TaskClosed>;
type Opened = EventOf<typeof TaskOpened>['data'];

export type Task = { opened?: Opened; closedOn?: LocalDate };

export type TaskCommand =
  | ({ type: 'Open' } & Opened)
  | { type: 'Close'; on: LocalDate; note: string; by: string };

export const initialState: Task = {};

export function decide(command: TaskCommand, task: Task): TaskEvent[] {
  switch (command.type) {
    case 'Open': {
      if (task.opened) return [];
      const { type: _, ...data } = command;
      return [{ type: 'TaskOpened', data }];
    }
    case 'Close':
      if (!task.opened) throw conflictWith('TASK_NOT_FOUND', 'no such task');
      if (task.closedOn) throw conflictWith('TASK_CLOSED', `the task was closed on ${task.closedOn}`);
      return [
        {
          type: 'TaskClosed',
          data: { taskId: task.opened.taskId, on: command.on, note: command.note, by: command.by },
        },
      ];
  }
}

export function evolve(task: Task, event: TaskEvent): Task {
  return event.type === 'TaskOpened' ? { opened: event.data } : { ...task, closedOn: event.data.on };
}

export const taskDecider: Decider<Task, TaskCommand, TaskEvent> = { initialState, decide, evolve };
