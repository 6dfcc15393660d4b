import * as z from 'zod';
import { SecretRefSchema } from '../../domain/secret-ref.js';
import { type ProviderPlugin, pairSchemaFor, resolveAuth } from '../plugin.js';
import { AlibabaRdsClient } from './alibaba-client.js';
import {
  AlibabaActivateMigrationDriver,
  AlibabaPromoteDriver,
  AlibabaUpgradeDriver,
  alibabaTarget,
} from './alibaba-provider.js';

const AlibabaInstanceRefSchema = z.strictObject({
  instanceId: z.string().min(1),
  /** The instance's region when it differs from the pair's (a cross-region DR instance). */
  regionId: z.string().min(1).optional(),
});

const AlibabaPairSectionSchema = z.strictObject({
  regionId: z.string().min(1),
  /** The primary; for a cloud migration, the destination RDS instance that activation makes primary. */
  primary: AlibabaInstanceRefSchema,
  /** The DR/secondary instance that promote-standby makes primary. */
  standby: AlibabaInstanceRefSchema.optional(),
});

export const AlibabaEndpointSchema = z.strictObject({
  /** The RDS endpoint: https://rds.aliyuncs.com, or a regional one. */
  endpoint: z.url().default('https://rds.aliyuncs.com'),
  /** V3 ACS3-HMAC-SHA256 (what the current SDKs send) or the older RPC HMAC-SHA1 query signature. */
  signature: z.enum(['v3', 'rpc']).default('v3'),
  timeoutMs: z.number().int().positive().default(10_000),
  auth: z.strictObject({ accessKeyId: SecretRefSchema, accessKeySecret: SecretRefSchema }),
});

/** ApsaraDB RDS: DR promotion, migration-target activation and minor (kernel) upgrades. */
export const alibaba: ProviderPlugin<
  'alibaba',
  typeof AlibabaPairSectionSchema,
  typeof AlibabaEndpointSchema,
  AlibabaRdsClient
> = {
  name: 'alibaba',
  displayName: 'Alibaba Cloud RDS',
  endpointSchema: AlibabaEndpointSchema,
  // No Alibaba API gives a DR link's lag (providers.md 6.2): DescribeDBInstanceHAConfig covers one instance's nodes.
  pairSchema: pairSchemaFor('alibaba', AlibabaPairSectionSchema, {
    vendor: 'Alibaba Cloud',
    unmeasurable: ['maxLagSeconds', 'maxLagMb'],
  }),
  targetOf: alibabaTarget,
  swapRoles: (section) =>
    section.standby ? { ...section, primary: section.standby, standby: section.primary } : section,
  memberIds: ({ primary, standby }) => ({
    primary: primary.instanceId,
    standby: standby?.instanceId ?? null,
  }),
  promotedBy: (target) => String(target.standbyInstanceId),
  roles: ({ regionId, primary, standby }) => ({
    primary: `${primary.instanceId} in ${primary.regionId ?? regionId}`,
    standby: standby ? `${standby.instanceId} in ${standby.regionId ?? regionId}` : null,
  }),
  unsupported: {
    switchover:
      'Alibaba Cloud RDS has no cross-region switchover API; use promote-standby for a DR instance.',
    'configure-dr': 'Switchyard does not create Alibaba DR instances or replication links.',
    // CreateGadInstanceMember adds a member back to a GAD group for MySQL only, and CreateReplicationLink needs an
    // empty target instance, so the old, non-empty primary cannot be reused (providers.md §6.2):
    // https://www.alibabacloud.com/help/en/rds/developer-reference/api-rds-2014-08-15-createreplicationlink
    reprotect:
      'ApsaraDB RDS offers no API that makes the old primary a DR instance again: CreateGadInstanceMember is MySQL only, and CreateReplicationLink needs a new, empty instance. Rebuild DR in the console, then say so with PUT /v1/pairs/{pair}/protection (approve scope).',
  },
  client(endpoint, { resolveSecret, dispatcher }) {
    // Read when a call is first made: a function that never calls alibaba never reads its secrets.
    const auth = () => resolveAuth('alibaba', endpoint.auth, resolveSecret);
    const { signature, timeoutMs } = endpoint;
    return new AlibabaRdsClient({ endpoint: endpoint.endpoint, auth, signature, timeoutMs, dispatcher });
  },
  operations: {
    'activate-migration-target': AlibabaActivateMigrationDriver,
    'promote-standby': AlibabaPromoteDriver,
    'upgrade-minor-version': AlibabaUpgradeDriver,
  },
};
