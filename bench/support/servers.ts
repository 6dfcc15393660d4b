/**
 * The benchmark's remote side, in its own process so that what is measured is Switchyard alone, as in AWS
 * where DynamoDB and the providers are elsewhere: dynalite, the three simulators (Huawei with the fleet's
 * extra pairs) and the notification sink. Prints one JSON line with their URLs; exits when stdin closes.
 */
import { DEFAULT_HUAWEI_INSTANCES, DEFAULT_RELATIONS, pgInstance } from '../../sandbox/huawei-simulator.js';
import { startSandboxServers } from '../../sandbox/sandbox-environment.js';
import { BENCH_PAIRS, benchPair } from './bench-pairs.js';

const tableName = process.argv[2] ?? 'switchyard-bench';
const instances = [...DEFAULT_HUAWEI_INSTANCES];
const relations = [...DEFAULT_RELATIONS];
for (let i = 0; i < BENCH_PAIRS; i++) {
  const pair = benchPair(i);
  // The storm's pairs: a primary that is down (so the provider confirms the alert) and a healthy DR instance.
  instances.push(
    {
      ...pgInstance(
        pair.primary.instanceId,
        `${pair.name}-primary`,
        pair.primary.projectId,
        pair.primary.region,
        'Ha',
        '15.4.0',
        '192.168.1.1',
      ),
      status: 'FAILED',
    },
    pgInstance(
      pair.dr.instanceId,
      `${pair.name}-dr`,
      pair.dr.projectId,
      pair.dr.region,
      'Single',
      '15.4.0',
      '10.20.1.1',
    ),
  );
  relations.push({
    id: `bench-relation-${i}`,
    master_instance_id: pair.primary.instanceId,
    master_region: pair.primary.region,
    slave_instance_id: pair.dr.instanceId,
    slave_region: pair.dr.region,
    build_process: 'slave',
    status: 'success',
  });
}
const { sink, urls } = await startSandboxServers({
  tableName,
  speed: 1000,
  huawei: { instances, relations },
});
// The sink keeps what it receives; a benchmark sends hundreds of thousands, so forget them.
setInterval(() => {
  sink.received.length = 0;
  sink.slack.length = 0;
  sink.sns.length = 0;
}, 1000).unref();
console.log(JSON.stringify(urls));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
