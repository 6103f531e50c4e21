import t from 'tap';
import { foldInputs, type InputRow } from '../src/domain/clientFacts.js';

// Given the client's events as billing learned them, when folded, then the facts a month is assessed on.

const clientId = '0193a2b4-0000-7000-8000-00000000c11e';
const row = (seq: number, type: string, data: Record<string, unknown>) =>
  ({ seq, eventId: `e${seq}`, type, data: { clientId, ...data } }) as unknown as InputRow;

t.test('a corrected birth date replaces the registered one, pointing to the correction', async (t) => {
  const registered = row(1, 'ClientRegistered', {
    birthDate: '1958-04-02',
    sex: 'female',
    municipality: 'BLG01',
    identifierKind: 'egn',
    registeredOn: '2026-01-10',
  });
  t.same(foldInputs([registered]).birthDate, { value: '1958-04-02', eventId: 'e1' });
  const corrected = row(2, 'ClientDetailsCorrected', {
    birthDate: '2010-04-02',
    sex: 'female',
    identifierKind: 'egn',
  });
  // a child after all: what the child exemption is decided on from now
  t.same(foldInputs([registered, corrected]).birthDate, { value: '2010-04-02', eventId: 'e2' });
});
