import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DEFAULT_HUAWEI_INSTANCES, DEFAULT_RELATIONS, pgInstance } from '../../sandbox/huawei-simulator.js';
import { loadEvent } from '../../test/support/fixtures.js';

/** The extra Huawei pairs the benchmark's configuration and simulator share (the alert storm's 100 pairs). */
export const BENCH_PAIRS = 100;

const NORTH = '0483b6b16e954cb88930a360d2c4e663';
const SOUTH = '7d1f4fd4b5e54e39a0d1e6f3c2b8a901';
const id = (prefix: string, i: number) =>
  `${prefix}${String(i).padStart(4, '0')}`.padEnd(32, '0').concat('in03');

export function benchPair(i: number) {
  return {
    name: `bench-pg-${String(i).padStart(3, '0')}`,
    primary: {
      instanceId: id('b1', i),
      projectId: NORTH,
      region: 'cn-north-4',
      subnetCidr: '192.168.1.0/24',
    },
    dr: { instanceId: id('b2', i), projectId: SOUTH, region: 'cn-south-1', subnetCidr: '10.20.1.0/24' },
  };
}

/** The Huawei simulator's seed with the storm's pairs: each primary down (so the provider confirms an alert), its DR healthy. */
export function benchHuaweiSeed() {
  const instances = [...DEFAULT_HUAWEI_INSTANCES];
  const relations = [...DEFAULT_RELATIONS];
  for (let i = 0; i < BENCH_PAIRS; i++) {
    const pair = benchPair(i);
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
  return { instances, relations };
}

/** Alertmanager's published example, firing for `cluster` with this fingerprint. */
export function firingAlert(cluster: string, fingerprint: string): APIGatewayProxyEventV2 {
  const event = loadEvent<APIGatewayProxyEventV2>('alerts', 'alertmanager-firing');
  const body = JSON.parse(event.body as string);
  body.alerts[0].labels.cluster = cluster;
  body.alerts[0].fingerprint = fingerprint;
  body.alerts[0].startsAt = new Date(Date.now() - 1000).toISOString();
  event.body = JSON.stringify(body);
  return event;
}
