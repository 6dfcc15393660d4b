/**
 * The benchmark's remote side, in its own process so that what is measured is Switchyard alone, as in AWS
 * where DynamoDB and the providers are elsewhere: dynalite, the three simulators (Huawei with the fleet's
 * extra pairs) and the notification sink. Prints one JSON line with their URLs; exits when stdin closes.
 */
import { startSandboxServers } from '../../sandbox/sandbox-environment.js';
import { benchHuaweiSeed } from './bench-pairs.js';

const tableName = process.argv[2] ?? 'switchyard-bench';
const { instances, relations } = benchHuaweiSeed();
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
