import {
  type ApplicationSlotFreed,
  type ApplicationSlotTaken,
  conflictWith,
  type EventOf,
} from '@casework/contracts';

/**
 * The one open application a client may have per service type (stream
 * `application-slot-<clientId>-<serviceType>`), appended with the application itself so two
 * concurrent submissions cannot both win.
 */
export type SlotEvent = EventOf<typeof ApplicationSlotTaken> | EventOf<typeof ApplicationSlotFreed>;
export type Slot = { open?: string };
export type SlotCommand = { type: 'Take'; applicationId: string } | { type: 'Free'; applicationId: string };

export const initialState: Slot = {};

export function decide(command: SlotCommand, state: Slot): SlotEvent[] {
  if (command.type === 'Take') {
    if (state.open === command.applicationId) return [];
    if (state.open)
      throw conflictWith(
        'APPLICATION_ALREADY_OPEN',
        'the client already has an open application for this service',
        {
          existing: { applicationId: state.open, href: `/v1/applications/${state.open}` },
        },
      );
    return [{ type: 'ApplicationSlotTaken', data: { applicationId: command.applicationId } }];
  }
  return state.open === command.applicationId
    ? [{ type: 'ApplicationSlotFreed', data: { applicationId: command.applicationId } }]
    : [];
}

export function evolve(_state: Slot, event: SlotEvent): Slot {
  return event.type === 'ApplicationSlotTaken' ? { open: event.data.applicationId } : {};
}

export const slotDecider = { initialState, decide, evolve };
