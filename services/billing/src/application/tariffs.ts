import { type LocalDate, ServiceTypeCode, type TariffBody, tariffIdOf } from '@casework/contracts';
import type { Executor } from '@casework/eventstore';
import { defaultTariffs, serviceType } from '@casework/reference-data';
import { type Cause, execute, foldEvents, type ServiceContext } from '@casework/service-kit';
import type { AppliedTariff } from '../domain/assessMonth.js';
import {
  type Tariff,
  type TariffCommand,
  type TariffEvent,
  tariffDecider,
  tariffInForce,
} from '../domain/tariff.js';
import { definitions, tariffStream } from './events.js';

/** Tariffs read straight from their streams (a handful per service type), for one unit of work. */
export class Tariffs {
  readonly #loaded = new Map<string, Tariff>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly executor?: Executor,
  ) {}

  /** Loads, in one read, every tariff these scopes may be charged under. */
  async prepare(scopes: readonly { serviceType: string; municipality: string }[]): Promise<void> {
    const ids = [...new Set(scopes.flatMap((s) => candidates(s.serviceType, s.municipality)))].filter(
      (id) => !this.#loaded.has(id),
    );
    if (ids.length === 0) return;
    const read = await this.ctx.store.readStreams(ids.map(tariffStream), this.executor);
    for (const id of ids)
      this.#loaded.set(
        id,
        foldEvents<Tariff, TariffEvent>(tariffDecider, read.get(tariffStream(id))!.events),
      );
  }

  /** The municipality's own version in force on the date, else the national one (prepared first). */
  inForce(serviceType: string, municipality: string, on: LocalDate): AppliedTariff | undefined {
    for (const tariffId of candidates(serviceType, municipality)) {
      const v = tariffInForce(this.#loaded.get(tariffId) ?? tariffDecider.initialState, on);
      if (v) return { tariffId, version: v.version, body: v.body };
    }
    return undefined;
  }
}

/** A municipality's own tariff first, then the national one; state-funded services have only the national. */
const candidates = (type: string, municipality: string) =>
  ServiceTypeCode.safeParse(type).success &&
  serviceType(type as ServiceTypeCode).defaultFunding === 'state_delegated'
    ? [tariffIdOf(type, null)]
    : [tariffIdOf(type, municipality), tariffIdOf(type, null)];

/** Adopts the reference data's default tariffs as version 1 of each national tariff, once. */
export async function seedDefaultTariffs(ctx: ServiceContext): Promise<void> {
  for (const { serviceType, ...body } of defaultTariffs.tariffs) {
    const tariffId = tariffIdOf(serviceType, null);
    await runTariffCommand(
      ctx,
      tariffId,
      {
        type: 'AdoptDefault',
        scope: { tariffId, serviceType, municipality: null },
        body,
        effectiveFrom: defaultTariffs.effectiveFrom,
      },
      { correlationId: 'seed-default-tariffs' },
    );
  }
}

export const runTariffCommand = (
  ctx: ServiceContext,
  tariffId: string,
  command: TariffCommand,
  cause: Cause,
  expectedVersion?: number,
) =>
  execute(ctx, {
    streamId: tariffStream(tariffId),
    streamType: 'tariff',
    decider: tariffDecider,
    definitions,
    command,
    cause,
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  });

export type { TariffBody };
