import { $OpenApiUtil } from '@alicloud/openapi-core';
import * as RdsPackage from '@alicloud/rds20140815';
import { ALIBABA_SANDBOX_CREDENTIALS } from '../../sandbox/alibaba-simulator.js';

const { DescribeCloudMigrationResultRequest, DescribeDBInstanceAttributeRequest } = RdsPackage;
// A CommonJS package with a default export: bundled, the class may sit one `default` deeper.
const Rds =
  (RdsPackage.default as unknown as { default?: typeof RdsPackage.default }).default ?? RdsPackage.default;

/** The same two calls through the official @alicloud/rds20140815 client. */
export const handler = async () => {
  const client = new Rds(
    new $OpenApiUtil.Config({
      ...ALIBABA_SANDBOX_CREDENTIALS,
      endpoint: new URL(process.env.ALIBABA_ENDPOINT as string).host,
      protocol: 'HTTP',
      regionId: 'cn-hangzhou',
    }),
  );
  const instance = await client.describeDBInstanceAttribute(
    new DescribeDBInstanceAttributeRequest({ DBInstanceId: 'pgm-bp1crm0migration01' }),
  );
  const migration = await client.describeCloudMigrationResult(
    new DescribeCloudMigrationResultRequest({ DBInstanceName: 'pgm-bp1crm0migration01' }),
  );
  return {
    statusCode: 200,
    body: JSON.stringify({
      status: instance.body?.items?.DBInstanceAttribute?.[0]?.DBInstanceStatus,
      items: migration.body?.items?.length,
    }),
  };
};
