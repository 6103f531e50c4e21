export * from './absences.js';
export * from './asOf.js';
export * from './attendance.js';
export * from './placements.js';
export * from './sites.js';
export * from './tasks.js';
export * from './waitingList.js';
