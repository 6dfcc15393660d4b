import type { Dispatcher } from 'undici';
import * as z from 'zod';
import type { OperationKind } from '../domain/operation.js';
import {
  DEFAULT_FAILOVER,
  DEFAULT_VERIFICATION,
  type FailoverPolicy,
  FailoverPolicySchema,
  type LagBudget,
  lagBudgetsMeasurable,
  PairDrillScheduleSchema,
  PairNameSchema,
  PairVerificationSchema,
} from '../domain/pair-policy.js';
import type { ResolveSecret, SecretRef } from '../domain/secret-ref.js';
import type { OperationDriver, Target } from './provider.js';

/** What the composition root hands a provider to build its client with. */
export interface ProviderWiring {
  resolveSecret: ResolveSecret;
  /** One undici dispatcher for every provider call (tests, benchmarks); the global one when absent. */
  dispatcher?: Dispatcher;
}

/** A pair's members by role, as a person reads them; a pair without a standby names none. */
export interface PairRoles {
  primary: string;
  standby: string | null;
}

/** A driver of one kind, built on its provider's client. */
export type DriverOn<Client> = new (client: Client) => OperationDriver;

/**
 * One provider, as one folder exports it: its config (`providers.<name>` and a pair's `<name>` section), how a
 * pair names the ids its operations act on, its client, and a driver for each kind it offers.
 * `shared/providers/registry.ts` lists them all.
 */
export interface ProviderPlugin<
  Name extends string,
  Section extends z.ZodType,
  Endpoint extends z.ZodType,
  Client = unknown,
> {
  readonly name: Name;
  readonly displayName: string;
  /** `providers.<name>`: the endpoint, its credentials (as secret references) and timeouts. */
  readonly endpointSchema: Endpoint;
  /** A pair of this provider: `provider: <name>`, the common fields, and its `<name>` section. */
  readonly pairSchema: ReturnType<typeof pairSchemaFor<Name, Section>>;
  /** The provider ids a pair's operations act on, from its `<name>` section. */
  targetOf(section: z.infer<Section>): Target;
  /** Its members as a person reads them (`pgm-bp1… in cn-hangzhou`), by the role the config gives them. */
  roles(section: z.infer<Section>): PairRoles;
  /**
   * The section with its primary and standby exchanged: the pair as it is after a promotion or switchover. A
   * section with no standby is returned as it is (there is nothing to exchange).
   */
  swapRoles(section: z.infer<Section>): z.infer<Section>;
  /** The ids of its members by the role the config gives them: what the record of its roles names. */
  memberIds(section: z.infer<Section>): { primary: string; standby: string | null };
  /** The member a promotion or switchover of `target` makes the primary. */
  promotedBy(target: Target): string;
  /** Why a kind is not offered, in a sentence for the 422. */
  readonly unsupported: Partial<Record<OperationKind, string>>;
  /** Its client, on `providers.<name>`. */
  client(endpoint: z.infer<Endpoint>, wiring: ProviderWiring): Client;
  /** The driver of each kind it offers; the others are `unsupported`. */
  readonly operations: Partial<Record<OperationKind, DriverOn<Client>>>;
}

/**
 * A provider's pair schema: name, description and failover policy as every pair has them, and its own section
 * under its name. A lag budget the provider cannot measure is refused at load, naming the key.
 */
export function pairSchemaFor<Name extends string, Section extends z.ZodType>(
  name: Name,
  section: Section,
  lag: { vendor: string; unmeasurable: readonly LagBudget[] },
) {
  return z
    .strictObject({
      name: PairNameSchema,
      provider: z.literal(name),
      description: z.string().optional(),
      failover: FailoverPolicySchema.default(DEFAULT_FAILOVER),
      verification: PairVerificationSchema.default(DEFAULT_VERIFICATION),
      drill: PairDrillScheduleSchema.optional(),
      ...({ [name]: section } as { [K in Name]: Section }),
    })
    .superRefine((pair, ctx) =>
      // The section's type is open here; the common fields, failover among them, are not.
      lagBudgetsMeasurable(lag.vendor, lag.unmeasurable)(pair as { failover: FailoverPolicy }, ctx),
    );
}

/** Credentials with every secret reference read; other fields (an auth `type`) kept as they are. */
export type ResolvedSecrets<T> = { [K in keyof T]: T[K] extends SecretRef ? string : T[K] };

/** Reads each secret of `providers.<name>.auth`, one after another, naming its key in any error. */
export async function resolveAuth<T extends Record<string, unknown>>(
  provider: string,
  auth: T,
  resolveSecret: ResolveSecret,
): Promise<ResolvedSecrets<T>> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(auth))
    resolved[key] =
      key === 'type' ? value : await resolveSecret(value as SecretRef, `providers.${provider}.auth.${key}`);
  return resolved as ResolvedSecrets<T>;
}
