/** Local ports, each overridable by an environment variable (DESIGN.md). */
export function localPorts(env: Record<string, string | undefined> = process.env) {
  const port = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > 65_535)
      throw new Error(`${name} must be a port number, got "${env[name]}"`);
    return value;
  };
  return {
    api: port('SWITCHYARD_API_PORT', 3000),
    lambda: port('SWITCHYARD_LAMBDA_PORT', 3002),
    huawei: port('HUAWEI_SIM_PORT', 4510),
    alibaba: port('ALIBABA_SIM_PORT', 4520),
    ocp: port('OCP_SIM_PORT', 4530),
    dynamo: port('DYNAMO_PORT', 4567),
    webhookSink: port('WEBHOOK_SINK_PORT', 4590),
    sqs: port('SQS_PORT', 4600),
  };
}

/** Simulated-time factor for `npm start` and `npm run sandbox`: 20 makes the four-minute switchover take twelve seconds. */
export function sandboxSpeed(env: Record<string, string | undefined> = process.env): number {
  const speed = Number(env.SANDBOX_SPEED ?? 20);
  if (!(speed > 0)) throw new Error(`SANDBOX_SPEED must be a positive number, got "${env.SANDBOX_SPEED}"`);
  return speed;
}
