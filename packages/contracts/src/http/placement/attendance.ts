import { z } from 'zod';
import { ClientId } from '../../events/intake/clients.js';
import { PlacementId, SiteId } from '../../events/placement/sites.js';
import { LocalDate } from '../../localDate.js';
import { AsOfQuery } from './asOf.js';
import { examplePlacementRecord } from './examples.js';

// Day centres' attendance: recording a day and the site's register.

export const RecordAttendanceBody = z
  .object({
    date: LocalDate,
    records: z
      .array(z.object({ placementId: PlacementId, attended: z.boolean() }))
      .min(1)
      .max(500),
  })
  .meta({
    id: 'RecordAttendance',
    example: {
      date: '2026-11-23',
      records: [{ placementId: examplePlacementRecord.placementId, attended: true }],
    },
  });

const AttendanceDay = z.object({
  date: LocalDate,
  placementId: PlacementId,
  clientId: ClientId,
  attended: z.boolean(),
  expected: z.boolean().meta({ description: "Whether the date is one of the person's attendance weekdays" }),
});

export const AttendanceQuery = z.object({ from: LocalDate, to: LocalDate, knownAt: AsOfQuery.shape.knownAt });

export const AttendanceRegister = z.object({ siteId: SiteId, days: z.array(AttendanceDay) }).meta({
  id: 'AttendanceRegister',
  example: {
    siteId: examplePlacementRecord.siteId,
    days: [
      {
        date: '2026-11-23',
        placementId: examplePlacementRecord.placementId,
        clientId: examplePlacementRecord.clientId,
        attended: true,
        expected: true,
      },
    ],
  },
});
