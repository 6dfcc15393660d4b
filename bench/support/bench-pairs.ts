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
