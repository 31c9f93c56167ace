import { OperationStatus } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AuthorizeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { CreateRuleCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { AwsClients } from '../src/aws/clients';
import { buildFixture, Fixture } from '../bench/fixtures';
import { MotoServer } from '../bench/moto';
import { Outcome } from '../src/engine/lifecycle';
import { create, lockClients, read, remove, startBench, update } from './support/lock-harness';
import { awsError, failAttempts, instrument } from './support/watch';
import { withFiveGroups } from './support/security-groups';

let moto: MotoServer;
let clients: AwsClients;
let f: Fixture;
beforeAll(async () => ({ moto, clients } = await startBench()));
afterAll(async () => moto?.stop());
beforeEach(async () => {
  await moto.reset();
  f = await buildFixture({ extraRules: true, extraIngress: true, httpsListener: true });
});

const base = () => ({ ListenerArn: f.listenerArn, DistributionId: f.distributionId, SecretArn: f.secretArn });

async function secretWith(value: string): Promise<string> {
  const out = await clients.secrets.send(
    new CreateSecretCommand({ Name: `s-${Date.now()}-${Math.random()}`, SecretString: value }),
  );
  return out.ARN!;
}

/** Runs a CREATE and returns its outcome plus the mutating calls moto saw meanwhile. */
async function createRecorded(model: Record<string, unknown>): Promise<{ out: Outcome; writes: unknown[] }> {
  await moto.recorder.reset();
  await moto.recorder.start();
  const driven = await create(clients, model);
  await moto.recorder.stop();
  return { out: driven.final, writes: await moto.recorder.mutatingCalls() };
}

const account = '123456789012';
const cases: [string, () => Promise<Record<string, unknown>>, string, RegExp][] = [
  [
    'malformed ListenerArn',
    async () => ({ ...base(), ListenerArn: 'arn:aws:elasticloadbalancing:us-east-1:1:nope' }),
    'InvalidRequest',
    /ListenerArn/,
  ],
  ['malformed SecretArn', async () => ({ ...base(), SecretArn: 'my-secret' }), 'InvalidRequest', /SecretArn/],
  [
    'malformed DistributionId',
    async () => ({ ...base(), DistributionId: 'e-lower' }),
    'InvalidRequest',
    /DistributionId/,
  ],
  [
    'listener that does not exist',
    async () => ({ ...base(), ListenerArn: f.listenerArn.replace(/[0-9a-f]{16}$/, '0123456789abcdef') }),
    'NotFound',
    /ListenerArn.*does not exist/,
  ],
  [
    'distribution that does not exist',
    async () => ({ ...base(), DistributionId: 'E0000000000000' }),
    'NotFound',
    /DistributionId/,
  ],
  [
    'secret that does not exist',
    async () => ({
      ...base(),
      SecretArn: `arn:aws:secretsmanager:us-east-1:${account}:secret:missing-AbCdEf`,
    }),
    'NotFound',
    /SecretArn/,
  ],
  [
    'OriginId not in the distribution',
    async () => ({ ...base(), OriginId: 'nope' }),
    'InvalidRequest',
    /OriginId.*nope.*alb/,
  ],
  [
    'secret value too short',
    async () => ({ ...base(), SecretArn: await secretWith('short') }),
    'InvalidRequest',
    /SecretArn.*32 to 128/,
  ],
  [
    'secret value with a wildcard',
    async () => ({ ...base(), SecretArn: await secretWith(`${'a'.repeat(40)}*`) }),
    'InvalidRequest',
    /SecretArn.*wildcard/,
  ],
  [
    'SecretKey missing from the JSON',
    async () => ({
      ...base(),
      SecretArn: await secretWith(JSON.stringify({ other: 'x'.repeat(40) })),
      SecretKey: 'header',
    }),
    'InvalidRequest',
    /SecretKey.*header/,
  ],
  [
    'SecretKey on a non-JSON secret',
    async () => ({ ...base(), SecretKey: 'header' }),
    'InvalidRequest',
    /SecretKey/,
  ],
  [
    'invalid HeaderName',
    async () => ({ ...base(), HeaderName: 'X Bad Header' }),
    'InvalidRequest',
    /HeaderName/,
  ],
  [
    'CloudFront-forbidden HeaderName',
    async () => ({ ...base(), HeaderName: 'X-Amz-Secret' }),
    'InvalidRequest',
    /HeaderName.*CloudFront/,
  ],
  [
    'HeaderName over 40 characters',
    async () => ({ ...base(), HeaderName: `X-${'a'.repeat(40)}` }),
    'InvalidRequest',
    /HeaderName.*40/,
  ],
  [
    'HttpsOrigin on an HTTP listener',
    async () => ({ ...base(), Enforce: { HttpsOrigin: true } }),
    'InvalidRequest',
    /Enforce.HttpsOrigin.*HTTPS listener/,
  ],
];

describe('bad input: a clear error naming the field, and zero writes to AWS', () => {
  test.each(cases)('%s', async (_name, model, code, message) => {
    const { out, writes } = await createRecorded(await model());
    expect(out.status).toBe(OperationStatus.Failed);
    expect(out.errorCode).toBe(code);
    expect(out.message).toMatch(message);
    expect(out.message).not.toContain(f.secretValue);
    expect(writes).toEqual([]);
  });

  test('no origin points at the load balancer: lists the origins found', async () => {
    const other = await buildFixture({ name: 'other' });
    const { out, writes } = await createRecorded({ ...base(), DistributionId: other.distributionId });
    expect(out.errorCode).toBe('InvalidRequest');
    expect(out.message).toMatch(/OriginId: no origin of distribution .* points at the load balancer.*alb \(/);
    expect(writes).toEqual([]);
  });

  test('security group without room for the prefix list: ServiceLimitExceeded naming group, count and quota', async () => {
    await clients.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: f.securityGroupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 9000,
            ToPort: 9000,
            IpRanges: [1, 2, 3, 4, 5, 6].map((i) => ({ CidrIp: `10.9.${i}.0/24` })),
          },
        ],
      }),
    );
    // No room for a group of the lock's own either (it falls back to one otherwise).
    await withFiveGroups(clients, f);
    const { out, writes } = await createRecorded(base());
    expect(out.errorCode).toBe('ServiceLimitExceeded');
    expect(out.message).toContain(f.securityGroupId);
    expect(out.message).toMatch(/has \d+ IPv4 inbound rules.*L-0EA8095F/);
    expect(writes).toEqual([]);
  });

  test('a forwarding rule without room for the header condition is named, nothing written', async () => {
    const rule = await clients.elbv2.send(
      new CreateRuleCommand({
        ListenerArn: f.listenerArn,
        Priority: 77,
        Conditions: [
          {
            Field: 'host-header',
            HostHeaderConfig: { Values: ['a.example.com', 'b.example.com', 'c.example.com'] },
          },
          { Field: 'path-pattern', PathPatternConfig: { Values: ['/x/*', '/y/*'] } },
        ],
        Actions: [{ Type: 'forward', TargetGroupArn: f.targetGroupArn }],
      }),
    );
    const { out, writes } = await createRecorded(base());
    expect(out.errorCode).toBe('InvalidRequest');
    expect(out.message).toContain(rule.Rules![0].RuleArn!);
    expect(out.message).toMatch(/limit of 5/);
    expect(writes).toEqual([]);
  });

  test('CREATE on a listener that already has a lock → AlreadyExists, and another listener can be locked meanwhile', async () => {
    expect((await create(clients, base())).final.status).toBe(OperationStatus.Success);
    const again = await createRecorded(base());
    // A different CloudFormation request (token) finds someone else's lock.
    const other = await create(clients, base(), undefined, 'another-token');
    expect(other.final.errorCode).toBe('AlreadyExists');
    expect(again.out.status).toBe(OperationStatus.Success); // same token: a retried CREATE continues
    expect(again.writes).toEqual([]);
    // The distribution's origin is http-only on port 80: it never reaches the HTTPS listener, so a lock
    // there would guard a listener CloudFront does not use. (The security group needs no second
    // CloudFront list either: the first lock's one rule covers every listener port.)
    const https = await create(
      clients,
      { ...base(), ListenerArn: f.httpsListenerArn },
      undefined,
      'token-https',
    );
    expect(https.final).toMatchObject({ status: OperationStatus.Failed, errorCode: 'InvalidRequest' });
    expect(https.final.message).toMatch(
      /OriginId: no origin of distribution '\w+' reaches the locked HTTPS:443 listener \(alb reaches HTTP:80\)/,
    );
    const second = await buildFixture({ name: 'second' });
    const other2 = await create(
      clients,
      { ListenerArn: second.listenerArn, DistributionId: second.distributionId, SecretArn: second.secretArn },
      undefined,
      't2',
    );
    expect(other2.final.status).toBe(OperationStatus.Success);
    expect((await read(clients, base())).model?.Enforce).toMatchObject({
      SecurityGroup: true,
      ListenerRules: true,
    });
  });

  test('READ, UPDATE and DELETE of a listener without a lock → NotFound with a message', async () => {
    for (const out of [
      await read(clients, base()),
      (await update(clients, base(), base())).final,
      (await remove(clients, base())).final,
    ]) {
      expect(out).toMatchObject({ status: OperationStatus.Failed, errorCode: 'NotFound' });
      expect(out.message).toMatch(/ListenerArn: listener .* has no Acme::Origin::Lock/);
    }
  });

  test('throttling is retried by the SDK retry strategy; the lock still converges', async () => {
    const c = lockClients();
    const seen = failAttempts(c, 'ModifyListener', 2, () => awsError('ThrottlingException', 'Rate exceeded'));
    const out = await create(c, base());
    expect(out.final.status).toBe(OperationStatus.Success);
    expect(seen.attempts).toBe(3);
  });

  test('access denied and throttling that outlast retries map to AccessDenied and Throttling', async () => {
    for (const [name, code] of [
      ['AccessDenied', 'AccessDenied'],
      ['Throttling', 'Throttling'],
    ]) {
      const c = lockClients();
      instrument(c, {
        before: (command) => {
          if (command === 'DescribeListeners') throw awsError(name, `${name} for DescribeListeners`);
        },
      });
      const out = (await create(c, base())).final;
      expect(out).toMatchObject({ status: OperationStatus.Failed, errorCode: code });
    }
  });
});
