/**
 * A local Serverless plugin that finishes least privilege in the packaged template, after
 * serverless-iam-roles-per-function has given each function a role of its own:
 *
 * - every function must run under a role no other function uses: one without iamRoleStatements would fall back
 *   to the framework's shared role, and packaging stops instead;
 * - that shared role (IamRoleLambdaExecution, which the framework makes and the plugin copies) is then used by
 *   nothing, and is taken out of the stack;
 * - each command queue (a queue a function consumes) gets a policy: sqs:SendMessage is allowed to the function roles
 *   granted it on that queue and to the principals in `custom.externalQueueSenders` (not on `custom.internalQueues`,
 *   which only Switchyard writes to), and denied to every other
 *   principal, of this account or another. The senders are read from the roles, so a role granted a queue cannot be
 *   left out of its policy. Switchyard's own messages are also signed (the consumer checks the signature); a listed
 *   sender's message is a plain request;
 * - a topic policy written in serverless.yml must allow sns:Publish to exactly the roles granted it on that topic,
 *   or packaging stops: a notifying function left out would have its notifications refused.
 */

const SEND = 'sqs:SendMessage';
const PUBLISH = 'sns:Publish';

/** `custom.externalQueueSenders`: a list, or a comma-separated string (an environment variable), of IAM ARNs. */
export function externalQueueSenders(given) {
  const senders = (Array.isArray(given) ? given : String(given ?? '').split(','))
    .map((arn) => String(arn).trim())
    .filter((arn) => arn !== '');
  for (const arn of senders)
    if (!/^arn:[\w-]+:iam::\d{12}:(role|user)\/\S+$/.test(arn))
      throw new Error(`custom.externalQueueSenders: "${arn}" is not the ARN of an IAM role or user`);
  return senders;
}

/** A resource of the stack a statement names, by Ref or Fn::GetAtt. */
const stackResource = (target) => target?.Ref ?? target?.['Fn::GetAtt']?.[0];

/** The roles whose statements allow `action`, by the logical id of the resource they allow it on. */
export function grantees(resources, action) {
  const granted = new Map();
  for (const [role, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const policy of resource.Properties.Policies ?? [])
      for (const statement of policy.PolicyDocument.Statement) {
        if (statement.Effect !== 'Allow' || ![statement.Action].flat().includes(action)) continue;
        for (const target of [statement.Resource].flat()) {
          const id = stackResource(target);
          if (!id)
            throw new Error(`${role} is allowed ${action} on something other than a resource of the stack`);
          granted.set(id, [...(granted.get(id) ?? []), role]);
        }
      }
  }
  return granted;
}

/** The policy of one command queue: its senders allowed, everyone else denied. */
export function queuePolicy(queue, roles, external) {
  const allowed = [...roles.map((role) => ({ 'Fn::GetAtt': [role, 'Arn'] })), ...external];
  const send = { Action: SEND, Resource: { 'Fn::GetAtt': [queue, 'Arn'] } };
  const others =
    allowed.length > 0 ? { Condition: { ArnNotEquals: { 'aws:PrincipalArn': allowed } } } : undefined;
  return {
    Type: 'AWS::SQS::QueuePolicy',
    Properties: {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          ...(allowed.length > 0
            ? [{ Sid: 'Senders', Effect: 'Allow', Principal: { AWS: allowed }, ...send }]
            : []),
          { Sid: 'NoOtherSenders', Effect: 'Deny', Principal: '*', ...send, ...others },
        ],
      },
    },
  };
}

/** Fails unless each topic policy allows sns:Publish to exactly the roles granted it on its topics. */
export function checkTopicPolicies(resources) {
  const publishers = grantees(resources, PUBLISH);
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::SNS::TopicPolicy') continue;
    const allowedRoles = resource.Properties.PolicyDocument.Statement.filter(
      (s) => s.Effect === 'Allow' && [s.Action].flat().includes(PUBLISH),
    )
      .flatMap((s) => [s.Principal?.AWS ?? []].flat())
      .map(stackResource)
      .filter(Boolean);
    for (const topic of resource.Properties.Topics.map(stackResource)) {
      const granted = publishers.get(topic) ?? [];
      const left = granted.filter((role) => !allowedRoles.includes(role));
      const stale = allowedRoles.filter((role) => !granted.includes(role));
      if (left.length > 0) throw new Error(`${id} does not let ${left.join(', ')} publish to ${topic}`);
      if (stale.length > 0)
        throw new Error(`${id} lets ${stale.join(', ')} publish to ${topic}, not granted it`);
    }
  }
}

export default class LeastPrivilegePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      // After resources.Resources are merged in, so the queues and topic policies declared there are seen.
      'after:aws:package:finalize:mergeCustomProviderResources': () => {
        try {
          this.finish();
        } catch (error) {
          throw new serverless.classes.Error(`deploy/least-privilege.js: ${error.message}`);
        }
      },
    };
  }

  finish() {
    const service = this.serverless.service;
    const naming = this.serverless.getProvider('aws').naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;

    const shared = naming.getRoleLogicalId();
    const roleOf = new Map();
    for (const name of service.getAllFunctions()) {
      const role = resources[naming.getLambdaLogicalId(name)]?.Properties?.Role?.['Fn::GetAtt']?.[0];
      if (!role || role === shared || resources[role]?.Type !== 'AWS::IAM::Role')
        throw new Error(
          `function ${name} has no role of its own: list what it uses under its iamRoleStatements`,
        );
      const other = [...roleOf].find(([, used]) => used === role);
      if (other) throw new Error(`functions ${other[0]} and ${name} share the role ${role}`);
      roleOf.set(name, role);
    }
    delete resources[shared];
    if (JSON.stringify(resources).includes(`"${shared}"`))
      throw new Error(`${shared} is still referred to, though every function has a role of its own`);

    const commandQueues = new Set();
    for (const name of service.getAllFunctions())
      for (const event of service.getFunction(name).events ?? []) {
        if (!event.sqs) continue;
        const queue = stackResource(event.sqs.arn);
        if (!queue) throw new Error(`function ${name} consumes a queue that is not a resource of the stack`);
        commandQueues.add(queue);
      }
    const external = externalQueueSenders(service.custom?.externalQueueSenders);
    // Queues only Switchyard writes to (its follow-ups): no outside sender is let in, however many are listed.
    const internal = new Set(service.custom?.internalQueues ?? []);
    const senders = grantees(resources, SEND);
    for (const queue of commandQueues) {
      const id = `${queue}Policy`;
      if (resources[id]) throw new Error(`the stack already has a resource named ${id}`);
      resources[id] = queuePolicy(queue, senders.get(queue) ?? [], internal.has(queue) ? [] : external);
    }

    checkTopicPolicies(resources);
  }
}
