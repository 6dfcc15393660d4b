import * as z from 'zod';
import type { OperationKind, ProviderName } from '../domain/operation.js';
import { alibaba } from './alibaba/alibaba-plugin.js';
import { huawei } from './huawei/huawei-plugin.js';
import { oceanbase } from './oceanbase/ocp-plugin.js';
import type { DriverOn, PairRoles, ProviderPlugin, ProviderWiring } from './plugin.js';
import type { OperationDriver, Provider, Target } from './provider.js';

/** Every provider Switchyard drives, one line each: the config, the pipeline and the composition root read this. */
export const PROVIDER_PLUGINS = [oceanbase, huawei, alibaba] as const;

type Plugin = (typeof PROVIDER_PLUGINS)[number];
/** The name of a registered provider, where a test or table covers each one. */
export type RegisteredProvider = Plugin['name'];
// biome-ignore lint/suspicious/noExplicitAny: a plugin of any provider, to be called through the registry
type AnyPlugin = ProviderPlugin<string, any, any, any>;

/** A pair as configured: its provider decides the shape of its section. */
export const PairSchema = z.discriminatedUnion(
  'provider',
  PROVIDER_PLUGINS.map((plugin) => plugin.pairSchema) as [Plugin['pairSchema'], ...Plugin['pairSchema'][]],
);
export type PairConfig = z.infer<typeof PairSchema>;

/** `providers`: each provider's endpoint and credentials, for those in use. */
export const ProviderEndpointsSchema = z.strictObject(
  Object.fromEntries(PROVIDER_PLUGINS.map((plugin) => [plugin.name, plugin.endpointSchema.optional()])) as {
    [P in Plugin as P['name']]: z.ZodOptional<P['endpointSchema']>;
  },
);
export type ProviderEndpoints = z.infer<typeof ProviderEndpointsSchema>;

function pluginOf(name: string): AnyPlugin | undefined {
  return PROVIDER_PLUGINS.find((plugin) => plugin.name === name);
}

/** The provider ids a pair's operations act on, as configured. */
export function targetOf(pair: PairConfig): Target {
  const plugin = pluginOf(pair.provider) as AnyPlugin;
  return plugin.targetOf((pair as Record<string, unknown>)[pair.provider]);
}

const sectionOf = (pair: PairConfig) => (pair as Record<string, unknown>)[pair.provider];

/** The pair with its primary and standby exchanged, or as configured. */
export function pairAsItStands(pair: PairConfig, swapped: boolean): PairConfig {
  if (!swapped) return pair;
  const plugin = pluginOf(pair.provider) as AnyPlugin;
  return { ...pair, [pair.provider]: plugin.swapRoles(sectionOf(pair)) } as PairConfig;
}

/** The ids of a pair's members by the role the config gives them. */
export function memberIdsOf(pair: PairConfig): { primary: string; standby: string | null } {
  return (pluginOf(pair.provider) as AnyPlugin).memberIds(sectionOf(pair));
}

/** The member a promotion or switchover of this target makes the pair's primary. */
export function promotedBy(pair: PairConfig, target: Target): string {
  return (pluginOf(pair.provider) as AnyPlugin).promotedBy(target);
}

/**
 * The pair as it stands, given the member recorded as its primary: as configured, with its roles exchanged, or
 * undefined when the record names no member the config does (the config changed since, or a person must say).
 */
export function standingPair(pair: PairConfig, recordedPrimary: string | undefined): PairConfig | undefined {
  if (recordedPrimary === undefined) return pair;
  const ids = memberIdsOf(pair);
  if (recordedPrimary === ids.primary) return pair;
  if (ids.standby !== null && recordedPrimary === ids.standby) return pairAsItStands(pair, true);
  return undefined;
}

/** The pair's members by the role the config gives them, and the provider's own name for it. */
export function rolesOf(pair: PairConfig): PairRoles & { providerName: string } {
  const plugin = pluginOf(pair.provider) as AnyPlugin;
  return {
    ...plugin.roles((pair as Record<string, unknown>)[pair.provider]),
    providerName: plugin.displayName,
  };
}

/** A provider behind the port, for each endpoint configured. */
export async function createProviders(
  endpoints: ProviderEndpoints,
  wiring: ProviderWiring,
): Promise<Map<ProviderName, Provider>> {
  const providers = new Map<ProviderName, Provider>();
  for (const plugin of PROVIDER_PLUGINS as readonly AnyPlugin[]) {
    const endpoint = (endpoints as Record<string, unknown>)[plugin.name];
    if (endpoint === undefined) continue;
    providers.set(plugin.name, {
      name: plugin.name,
      displayName: plugin.displayName,
      unsupported: plugin.unsupported,
      operations: driversOn(plugin, plugin.client(endpoint, wiring)),
    });
  }
  return providers;
}

/** A plugin's drivers, each on the one client. */
export function driversOn<Client>(
  plugin: { operations: Partial<Record<OperationKind, DriverOn<Client>>> },
  client: Client,
): Partial<Record<OperationKind, OperationDriver>> {
  return Object.fromEntries(
    Object.entries(plugin.operations).map(([kind, Driver]) => [
      kind,
      new (Driver as DriverOn<Client>)(client),
    ]),
  );
}
