/**
 * A local Serverless plugin that adds Switchyard's CloudWatch alarms to the packaged template, derived from
 * the stack itself so a new function or queue cannot be forgotten:
 *
 * - every function's `Errors` (an unhandled error or a timeout) above 0 in a minute;
 * - every dead-letter queue (any queue a RedrivePolicy points at) holding a message;
 * - for the functions in `custom.alarms.closelyWatched`, `Throttles` above 0 and a run over 80% of the
 *   function's timeout.
 *
 * Each alarm notifies `custom.alarms.topic` (a topic resource of the stack) when it fires and when it clears.
 */

/** A run this close to its timeout is one slow provider away from being cut off. */
const NEAR_TIMEOUT = 0.8;
/** The framework's own default, for a function and provider without a timeout. */
const DEFAULT_TIMEOUT_SECONDS = 6;

export default class CloudWatchAlarmsPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      // After resources.Resources are merged in, so the queues declared there are seen.
      'after:aws:package:finalize:mergeCustomProviderResources': () => this.addAlarms(),
    };
  }

  fail(message) {
    throw new this.serverless.classes.Error(`deploy/cloudwatch-alarms.js: ${message}`);
  }

  addAlarms() {
    const service = this.serverless.service;
    const aws = this.serverless.getProvider('aws');
    const naming = aws.naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const settings = service.custom?.alarms ?? {};
    const topic = settings.topic;
    if (resources[topic]?.Type !== 'AWS::SNS::Topic')
      this.fail(`custom.alarms.topic must name an SNS topic resource of the stack, not "${topic}"`);
    const closelyWatched = settings.closelyWatched ?? [];
    const functionNames = service.getAllFunctions();
    for (const name of closelyWatched)
      if (!functionNames.includes(name))
        this.fail(`custom.alarms.closelyWatched names no function "${name}"`);

    const prefix = `${service.service}-${aws.getStage()}`;
    const alarm = (properties) => ({
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        // No data is no failure: an idle function or an empty queue reports nothing.
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topic }],
        OKActions: [{ Ref: topic }],
        ...properties,
      },
    });
    const alarms = {};

    for (const name of functionNames) {
      const id = naming.getNormalizedFunctionName(name);
      const lambda = naming.getLambdaLogicalId(name);
      const watch = (metric, properties) => ({
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: lambda } }],
        ...properties,
      });
      alarms[`${id}ErrorsAlarm`] = alarm(
        watch('Errors', {
          AlarmName: `${prefix}-${name}-errors`,
          AlarmDescription: `${name} failed with an unhandled error or a timeout; its log group is /aws/lambda/${prefix}-${name}.`,
          Statistic: 'Sum',
          Period: 60,
          Threshold: 0,
        }),
      );
      if (!closelyWatched.includes(name)) continue;
      alarms[`${id}ThrottlesAlarm`] = alarm(
        watch('Throttles', {
          AlarmName: `${prefix}-${name}-throttles`,
          AlarmDescription: `${name} was throttled: a run started while the previous one was still going, or the account ran out of concurrency.`,
          Statistic: 'Sum',
          Period: 300,
          Threshold: 0,
        }),
      );
      const timeoutSeconds =
        service.getFunction(name).timeout ?? service.provider.timeout ?? DEFAULT_TIMEOUT_SECONDS;
      alarms[`${id}DurationAlarm`] = alarm(
        watch('Duration', {
          AlarmName: `${prefix}-${name}-near-timeout`,
          AlarmDescription: `A run of ${name} took over ${NEAR_TIMEOUT * 100}% of its ${timeoutSeconds} s timeout.`,
          Statistic: 'Maximum',
          Period: 300,
          Threshold: Math.round(timeoutSeconds * 1000 * NEAR_TIMEOUT),
        }),
      );
    }

    const deadLetterQueues = new Set();
    for (const resource of Object.values(resources)) {
      const target =
        resource.Type === 'AWS::SQS::Queue' && resource.Properties?.RedrivePolicy?.deadLetterTargetArn;
      const id = target?.['Fn::GetAtt']?.[0];
      if (target && !id) this.fail('a RedrivePolicy names its dead-letter queue other than by Fn::GetAtt');
      if (id) deadLetterQueues.add(id);
    }
    for (const id of deadLetterQueues)
      alarms[`${id}DepthAlarm`] = alarm({
        AlarmName: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'QueueName'] }, '-depth']] },
        AlarmDescription: `A message reached ${id}: its queue gave up on it after its retries. Read it, fix the cause, and redrive it as a principal in custom.externalQueueSenders (the queue's policy refuses other senders).`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 0,
      });

    for (const id of Object.keys(alarms))
      if (resources[id]) this.fail(`the stack already has a resource named ${id}`);
    Object.assign(resources, alarms);
  }
}
