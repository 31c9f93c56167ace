/**
 * The guardian's Lambda sink against moto: a real finding (a debug route added after the lock, healed
 * by the guardian) goes through EventBridgeSink to EventBridge PutEvents and SNS Publish, and comes out
 * where an operator would subscribe: an EventBridge rule on `source: acme.origin-lock` targeting an SQS
 * queue, and an SQS queue subscribed to the topic. Both carry the documented source and detail-type,
 * who made the change and no secret. SQS is read through moto's own SQS API (JSON protocol): the project
 * has no SQS client.
 */
import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { AwsClients } from '../src/aws/clients';
import { buildFixture, TEST_CREDENTIALS, TEST_REGION } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { createRuleEvent, GUARDIAN_ROLE_ARN, USER_ARN } from '../bench/cloudtrail';
import { runGuardian } from '../src/guardian/guardian';
import { EventBridgeSink } from '../src/guardian/eventbridge-sink';
import { Finding, FINDING_DETAIL_TYPE, FINDING_SOURCE } from '../src/guardian/finding';
import { create, startBench } from './support/lock-harness';

let moto: MotoServer;
let clients: AwsClients;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());

const common = { region: TEST_REGION, credentials: { ...TEST_CREDENTIALS } };

/** One call of moto's SQS API in the JSON protocol (what current SDKs speak). */
async function sqs<T>(action: string, body: Record<string, unknown>): Promise<T> {
  const res = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=${TEST_CREDENTIALS.accessKeyId}/20260101/${TEST_REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`SQS ${action}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function queue(name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url } = await sqs<{ QueueUrl: string }>('CreateQueue', { QueueName: name });
  const attrs = await sqs<{ Attributes: Record<string, string> }>('GetQueueAttributes', {
    QueueUrl: url,
    AttributeNames: ['QueueArn'],
  });
  return { url, arn: attrs.Attributes.QueueArn };
}

async function receiveAll(url: string): Promise<string[]> {
  const out = await sqs<{ Messages?: { Body: string }[] }>('ReceiveMessage', {
    QueueUrl: url,
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: 1,
  });
  return (out.Messages ?? []).map((m) => m.Body);
}

test('a healed debug route reaches an EventBridge rule’s SQS target and the SNS topic’s subscriber, without the secret', async () => {
  const bus = await queue('origin-lock-findings');
  const mail = await queue('origin-lock-topic-subscriber');
  const events = new EventBridgeClient(common);
  await events.send(
    new PutRuleCommand({
      Name: 'origin-lock-findings',
      EventPattern: JSON.stringify({ source: [FINDING_SOURCE], 'detail-type': [FINDING_DETAIL_TYPE] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: 'origin-lock-findings', Targets: [{ Id: 'queue', Arn: bus.arn }] }),
  );
  const sns = new SNSClient(common);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'origin-lock-findings' }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: mail.arn }));

  const f = await buildFixture({});
  const created = await create(clients, {
    ListenerArn: f.listenerArn,
    DistributionId: f.distributionId,
    SecretArn: f.secretArn,
  });
  expect(created.final.status).toBe(OperationStatus.Success);
  const out = await clients.elbv2.send(
    new CreateRuleCommand({
      ListenerArn: f.listenerArn,
      Priority: 7,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/debug/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
    }),
  );
  const event = createRuleEvent({
    listenerArn: f.listenerArn,
    ruleArn: out.Rules?.[0]?.RuleArn ?? '',
    priority: 7,
    path: '/debug/*',
    targetGroupArn: f.targetGroupArn,
  });

  const sink = new EventBridgeSink({ region: TEST_REGION, topicArn: TopicArn });
  const result = await runGuardian(
    event,
    { mode: 'heal', ignoredRoleArns: [GUARDIAN_ROLE_ARN] },
    { clients, sink, log: () => undefined },
  );
  expect(result.findings.map((x) => [x.control, x.action])).toEqual([['ListenerRules', 'healed']]);
  const eventId = (event.detail as { eventID: string }).eventID;

  const delivered = await receiveAll(bus.url);
  expect(delivered).toHaveLength(1);
  const envelope = JSON.parse(delivered[0]) as {
    source: string;
    'detail-type': string;
    resources: string[];
    detail: Finding;
  };
  expect(envelope.source).toBe('acme.origin-lock');
  expect(envelope['detail-type']).toBe('Origin Lock Drift');
  expect(envelope.resources).toEqual([f.listenerArn]);
  expect(envelope.detail).toMatchObject({
    version: 1,
    listenerArn: f.listenerArn,
    distributionId: f.distributionId,
    control: 'ListenerRules',
    mode: 'heal',
    action: 'healed',
    trigger: { kind: 'cloudtrail', eventName: 'CreateRule', eventId, principalArn: USER_ARN },
  });

  const mailed = await receiveAll(mail.url);
  expect(mailed).toHaveLength(1);
  const notification = JSON.parse(mailed[0]) as { TopicArn: string; Subject: string; Message: string };
  expect(notification.TopicArn).toBe(TopicArn);
  expect(notification.Subject).toBe('Origin Lock Drift: ListenerRules healed');
  expect(JSON.parse(notification.Message)).toEqual(envelope.detail);

  for (const body of [...delivered, ...mailed]) {
    expect(body.toLowerCase()).not.toContain(f.secretValue.toLowerCase());
    // No CloudTrail request parameters either (a CreateRule request can hold the header value).
    expect(body).not.toContain('requestParameters');
  }
}, 60_000);
