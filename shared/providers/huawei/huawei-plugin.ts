import * as z from 'zod';
import { SecretRefSchema } from '../../domain/secret-ref.js';
import { type ProviderPlugin, pairSchemaFor, resolveAuth } from '../plugin.js';
import { HuaweiRdsClient } from './huawei-client.js';
import {
  HuaweiConfigureDrDriver,
  HuaweiPromoteDriver,
  HuaweiUpgradeDriver,
  huaweiTarget,
} from './huawei-provider.js';

const HuaweiInstanceRefSchema = z.strictObject({
  instanceId: z.string().min(1),
  projectId: z.string().min(1),
  region: z.string().min(1),
  /** The instance's subnet CIDR: build_master_dr_relation needs the DR side's, and ListInstances does not give it. */
  subnetCidr: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'a CIDR such as 192.168.3.0/24')
    .optional(),
});

const HuaweiPairSectionSchema = z.strictObject({
  primary: HuaweiInstanceRefSchema,
  dr: HuaweiInstanceRefSchema,
});

export const HuaweiEndpointSchema = z.strictObject({
  /** The RDS endpoint; `{region}` is replaced by each instance's region (https://rds.{region}.myhuaweicloud.com). */
  endpoint: z.string().regex(/^https?:\/\/\S+$/, 'an http(s) URL, optionally with {region}'),
  timeoutMs: z.number().int().positive().default(10_000),
  auth: z.strictObject({ accessKeyId: SecretRefSchema, secretAccessKey: SecretRefSchema }),
});

/** Huawei Cloud RDS for PostgreSQL and MySQL: cross-region DR, promotion and minor upgrades. */
export const huawei: ProviderPlugin<
  'huawei',
  typeof HuaweiPairSectionSchema,
  typeof HuaweiEndpointSchema,
  HuaweiRdsClient
> = {
  name: 'huawei',
  displayName: 'Huawei Cloud RDS',
  endpointSchema: HuaweiEndpointSchema,
  // ShowDrReplicaStatus gives WAL delays in MB; its one time figure is the replay delay, not the data lost.
  pairSchema: pairSchemaFor('huawei', HuaweiPairSectionSchema, {
    vendor: 'Huawei Cloud',
    unmeasurable: ['maxLagSeconds'],
  }),
  targetOf: huaweiTarget,
  // The DR instance promoted is the primary; the old primary is what a rebuilt DR relation would replicate to.
  swapRoles: ({ primary, dr }) => ({ primary: dr, dr: primary }),
  memberIds: ({ primary, dr }) => ({ primary: primary.instanceId, standby: dr.instanceId }),
  promotedBy: (target) => String(target.drInstanceId),
  roles: ({ primary, dr }) => ({
    primary: `${primary.instanceId} in ${primary.region}`,
    standby: `${dr.instanceId} in ${dr.region}`,
  }),
  unsupported: {
    switchover:
      'Huawei RDS has no cross-region switchover API; use promote-standby when the primary is lost.',
    'activate-migration-target': 'Migration targets are an Alibaba Cloud RDS feature.',
  },
  client(endpoint, { resolveSecret, dispatcher }) {
    // Read when a call is first made: a function that never calls huawei never reads its secrets.
    const auth = () => resolveAuth('huawei', endpoint.auth, resolveSecret);
    return new HuaweiRdsClient({
      endpoint: endpoint.endpoint,
      auth,
      timeoutMs: endpoint.timeoutMs,
      dispatcher,
    });
  },
  operations: {
    'configure-dr': HuaweiConfigureDrDriver,
    // Re-protection is configure DR with the roles as they stand (rds_12_0001, rds_12_0002): the promoted member is
    // the primary now. Its rules still hold, so after a promotion the precheck names them: the new primary is
    // standalone and the old one primary/standby, the reverse of what DR needs, and Huawei documents no way back.
    reprotect: HuaweiConfigureDrDriver,
    'promote-standby': HuaweiPromoteDriver,
    'upgrade-minor-version': HuaweiUpgradeDriver,
  },
};
