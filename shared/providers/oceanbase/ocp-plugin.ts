import * as z from 'zod';
import { SecretRefSchema } from '../../domain/secret-ref.js';
import { type ProviderPlugin, pairSchemaFor, resolveAuth } from '../plugin.js';
import { OcpClient } from './ocp-client.js';
import { OcpFailoverDriver, OcpSwitchoverDriver, oceanBaseTarget } from './ocp-provider.js';

const TenantRefSchema = z.strictObject({
  clusterId: z.number().int().positive(),
  tenantId: z.number().int().positive(),
});

const OceanBasePairSectionSchema = z.strictObject({ primary: TenantRefSchema, standby: TenantRefSchema });

export const OceanBaseEndpointSchema = z.strictObject({
  endpoint: z.url(),
  timeoutMs: z.number().int().positive().default(10_000),
  auth: z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('aksk'),
      accessKeyId: SecretRefSchema,
      accessKeySecret: SecretRefSchema,
    }),
    z.strictObject({ type: z.literal('basic'), username: SecretRefSchema, password: SecretRefSchema }),
  ]),
});

/** OceanBase Cloud Platform: tenant switchover and failover between a primary and a standby tenant. */
export const oceanbase: ProviderPlugin<
  'oceanbase',
  typeof OceanBasePairSectionSchema,
  typeof OceanBaseEndpointSchema,
  OcpClient
> = {
  name: 'oceanbase',
  displayName: 'OceanBase OCP',
  endpointSchema: OceanBaseEndpointSchema,
  // OCP's sync SCN is a time (ocp-provider.ts lagFromScn); it gives no byte position.
  pairSchema: pairSchemaFor('oceanbase', OceanBasePairSectionSchema, {
    vendor: 'OceanBase OCP',
    unmeasurable: ['maxLagMb'],
  }),
  targetOf: oceanBaseTarget,
  swapRoles: ({ primary, standby }) => ({ primary: standby, standby: primary }),
  memberIds: ({ primary, standby }) => ({
    primary: `cluster ${primary.clusterId} tenant ${primary.tenantId}`,
    standby: `cluster ${standby.clusterId} tenant ${standby.tenantId}`,
  }),
  promotedBy: (target) => `cluster ${target.standbyClusterId} tenant ${target.standbyTenantId}`,
  roles: ({ primary, standby }) => ({
    primary: `tenant ${primary.tenantId} in cluster ${primary.clusterId}`,
    standby: `tenant ${standby.tenantId} in cluster ${standby.clusterId}`,
  }),
  unsupported: {
    'configure-dr':
      'OceanBase OCP standby tenants are created in OCP itself; Switchyard does not configure them.',
    'activate-migration-target': 'Migration targets are an Alibaba Cloud RDS feature, not an OCP one.',
    'upgrade-minor-version':
      'Switchyard does not upgrade OceanBase clusters; OCP runs those upgrades itself.',
    // A switchover leaves the old primary tenant as the standby, so only a failover needs this. OCP documents no
    // way to turn a failed-over primary tenant into a standby; createStandbyTenant builds a new tenant
    // (common-ocp-10000000001900005), with an id the pair's config does not name (providers.md §6.3).
    reprotect:
      "OCP documents no API that rebuilds the old primary tenant as a standby; createStandbyTenant makes a new tenant, which the pair's config would have to name. Create the standby in OCP, name it in the config, then say so with PUT /v1/pairs/{pair}/protection (approve scope).",
  },
  client(endpoint, { resolveSecret, dispatcher }) {
    // Read when a call is first made: a function that never calls oceanbase never reads its secrets.
    const auth = () => resolveAuth('oceanbase', endpoint.auth, resolveSecret);
    return new OcpClient({ endpoint: endpoint.endpoint, auth, timeoutMs: endpoint.timeoutMs, dispatcher });
  },
  operations: { switchover: OcpSwitchoverDriver, 'promote-standby': OcpFailoverDriver },
};
