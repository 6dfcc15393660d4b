import { HUAWEI_SANDBOX_CREDENTIALS, startHuaweiSimulator } from './huawei-simulator.js';
import { OCP_SANDBOX_CREDENTIALS, startOcpSimulator } from './ocp-simulator.js';
import { localPorts, sandboxSpeed } from './ports.js';

/** `npm run sandbox`: the provider simulators alone, for DR drills and for trying clients by hand. */
async function main() {
  const ports = localPorts();
  const speed = sandboxSpeed();
  const ocp = await startOcpSimulator({ port: ports.ocp, speed });
  const huawei = await startHuaweiSimulator({ port: ports.huawei, speed });
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

  Control (every simulator): GET /_sandbox/state, GET /_sandbox/calls, POST /_sandbox/faults, DELETE /_sandbox/faults, POST /_sandbox/reset
  Example fault: curl -X POST ${ocp.url}/_sandbox/faults -d '{"route":"switchover","fault":{"kind":"fail-step","step":"Switch primary tenant to standby"}}'

Ctrl-C stops them.`);
  const stop = async () => {
    await Promise.all([ocp.close(), huawei.close()]);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
