import t from 'tap';
import { PersonalIdentifier } from '../src/personalIdentifier.js';

t.test('a bad ЕГН names the value field', async (t) => {
  const r = PersonalIdentifier.safeParse({ kind: 'egn', value: '8001010009' });
  t.notOk(r.success);
  t.same(
    r.error?.issues.map((i) => i.path),
    [['value']],
  );
  t.match(r.error?.issues[0]?.message, /check digit/);
});

t.test('valid identifiers pass, unknown kinds do not', async (t) => {
  t.ok(PersonalIdentifier.safeParse({ kind: 'egn', value: '8001010008' }).success);
  t.ok(PersonalIdentifier.safeParse({ kind: 'lnch', value: '1000000012' }).success);
  t.notOk(PersonalIdentifier.safeParse({ kind: 'passport', value: 'X' }).success);
});
