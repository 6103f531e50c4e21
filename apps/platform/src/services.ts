import { billing } from '@casework/billing';
import { eligibility } from '@casework/eligibility';
import { intake } from '@casework/intake';
import { placement } from '@casework/placement';
import type { ServiceModule } from '@casework/service-kit';

export const allServices: readonly ServiceModule[] = [intake, eligibility, placement, billing];

export function servicesNamed(names: string[]): ServiceModule[] {
  return names.map((n) => {
    const s = allServices.find((x) => x.name === n);
    if (!s) throw new Error(`unknown service ${n}; known: ${allServices.map((x) => x.name).join(', ')}`);
    return s;
  });
}
