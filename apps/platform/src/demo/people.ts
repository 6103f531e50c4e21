import { addDays, composeEgn, type LocalDate, type ServiceTypeCode } from '@casework/contracts';

const GIVEN = {
  female: [
    'Мария',
    'Елена',
    'Йорданка',
    'Петя',
    'Десислава',
    'Светла',
    'Надежда',
    'Росица',
    'Галина',
    'Веселина',
  ],
  male: ['Иван', 'Георги', 'Димитър', 'Николай', 'Петър', 'Стоян', 'Христо', 'Васил', 'Атанас', 'Кирил'],
};
const FAMILY = ['Примеров', 'Измислен', 'Тестов', 'Образцов', 'Демонстров', 'Пробен', 'Условен', 'Набросков'];

/** Birth dates of the service's group: children, young people leaving care, adults, older people. */
function birthDate(type: ServiceTypeCode, n: number): LocalDate {
  const spread = (from: string, years: number) => addDays(from, (n * 137) % (years * 365));
  if (type.endsWith('children') || type === 'day_centre_children_disabilities')
    return spread('2011-01-01', 6);
  if (type === 'transitional_housing') return spread('1999-01-01', 6);
  if (type === 'day_centre_elderly' || type === 'home_social_patronage') return spread('1938-01-01', 20);
  return spread('1962-01-01', 40);
}

/** A synthetic person for a service type: a generated, valid ЕГН and invented names. */
export function syntheticPerson(type: ServiceTypeCode, n: number) {
  const sex = n % 2 === 0 ? ('female' as const) : ('male' as const);
  const born = birthDate(type, n);
  const family = FAMILY[n % FAMILY.length]!;
  return {
    identifier: { kind: 'egn' as const, value: composeEgn(born, 1 + (n % 999)) },
    givenName: GIVEN[sex][n % GIVEN[sex].length]!,
    familyName: sex === 'female' ? `${family}а` : family,
  };
}
