import { ALIBABA_SANDBOX_CREDENTIALS } from '../../sandbox/alibaba-simulator.js';
import { AlibabaRdsClient } from '../../shared/providers/alibaba/alibaba-client.js';

/** The activation precheck's two Alibaba calls through Switchyard's own client, and nothing else. */
export const handler = async () => {
  const client = new AlibabaRdsClient({
    endpoint: process.env.ALIBABA_ENDPOINT as string,
    auth: ALIBABA_SANDBOX_CREDENTIALS,
  });
  const instance = await client.describeInstance('pgm-bp1crm0migration01');
  const migration = await client.describeCloudMigrationResult('pgm-bp1crm0migration01');
  return {
    statusCode: 200,
    body: JSON.stringify({ status: instance?.DBInstanceStatus, items: migration.Items.length }),
  };
};
