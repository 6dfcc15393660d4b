import { ALIBABA_SANDBOX_CREDENTIALS } from './alibaba-simulator.js';
import { HUAWEI_SANDBOX_CREDENTIALS } from './huawei-simulator.js';
import { OCP_SANDBOX_CREDENTIALS } from './ocp-simulator.js';
import { localPorts, sandboxSpeed } from './ports.js';
import { startProviderSimulators } from './sandbox-environment.js';

/** `npm run sandbox`: the provider simulators alone, for DR drills and for trying clients by hand. */
async function main() {
  const ports = localPorts();
  const speed = sandboxSpeed();
  const simulators = await startProviderSimulators({ ports, speed });
  const { ocp, huawei, alibaba } = simulators;
  console.log(`Switchyard sandbox simulators (speed x${speed}; SANDBOX_SPEED changes it)

  OceanBase OCP  ${ocp.url}
    AK/SK (OCP-ACCESS-KEY-HMACSHA1)  access key ${OCP_SANDBOX_CREDENTIALS.accessKeyId}
                                     secret     ${OCP_SANDBOX_CREDENTIALS.accessKeySecret}
    Basic auth                       ${OCP_SANDBOX_CREDENTIALS.username} / ${OCP_SANDBOX_CREDENTIALS.password}
    tenants                          1001 orders (primary) <-> 1002 orders_standby, 1003 payments <-> 1004 payments_standby

  Huawei Cloud RDS  ${huawei.url}
    AK/SK (SDK-HMAC-SHA256)          access key ${HUAWEI_SANDBOX_CREDENTIALS.accessKeyId}
                                     secret     ${HUAWEI_SANDBOX_CREDENTIALS.secretAccessKey}
    instances                        orders-pg primary (cn-north-4) and DR (cn-east-3), no DR relation yet;
                                     ledger-pg primary (cn-north-4) and DR (cn-south-1), DR established
    PATCH /_sandbox/instances/{id}   changes an instance (status, cpu, datastore ...) for drills

  Alibaba Cloud RDS  ${alibaba.url}   (POST /?Action=... RPC API 2014-08-15)
    AK/SK (ACS3-HMAC-SHA256 or RPC HMAC-SHA1)  access key ${ALIBABA_SANDBOX_CREDENTIALS.accessKeyId}
                                               secret     ${ALIBABA_SANDBOX_CREDENTIALS.accessKeySecret}
    instances   pgm-bp1crm0migration01 (cloud migration target, stage increment);
                pgm-bp1billing0primary (cn-hangzhou) -> pgm-2zebilling0standby (cn-beijing, DR)
    PATCH /_sandbox/instances/{id}, PATCH /_sandbox/migrations/{instance} change them for drills

  Control (every simulator): GET /_sandbox/state, GET /_sandbox/calls, POST /_sandbox/faults, DELETE /_sandbox/faults, POST /_sandbox/reset
  Example fault: curl -X POST ${ocp.url}/_sandbox/faults -d '{"route":"switchover","fault":{"kind":"fail-step","step":"Switch primary tenant to standby"}}'

Ctrl-C stops them.`);
  const stop = async () => {
    await simulators.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
