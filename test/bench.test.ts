/**
 * The test bench itself: moto launcher, seed-004 fixture variants, the call recorder, moto's CloudFront
 * status transitions, the local Invoke endpoint, and one real READ through it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CloudFrontClient,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import {
  CreateTagsCommand,
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { contractInputs } from '../bench/contract-inputs';
import {
  buildFixture,
  clientConfig,
  CLOUDFRONT_IPV6_PREFIX_LIST,
  createIpv6CloudFrontPrefixList,
  Fixture,
} from '../bench/fixtures';
import { handlerRequest, invoke, testRequest } from '../bench/handler-request';
import { spawnInvokeServer } from '../bench/invoke-process';
import { startInvokeServer } from '../bench/invoke-server';
import { MotoServer, startMoto } from '../bench/moto';
import { parseRecording } from '../bench/recording';
import { ensureBuilt } from './support/build';

let moto: MotoServer;
let ec2: EC2Client;
let elbv2: ElasticLoadBalancingV2Client;
let cloudfront: CloudFrontClient;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  moto = await startMoto();
  const config = clientConfig({ endpoint: moto.endpoint });
  ec2 = new EC2Client(config);
  elbv2 = new ElasticLoadBalancingV2Client(config);
  cloudfront = new CloudFrontClient(config);
  secrets = new SecretsManagerClient(config);
});

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

async function ingress(groupId: string): Promise<string[]> {
  const out = await ec2.send(
    new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
  );
  return (out.SecurityGroupRules ?? [])
    .filter((rule) => !rule.IsEgress)
    .map((rule) => `${rule.IpProtocol}:${rule.FromPort}-${rule.ToPort}:${rule.CidrIpv4 ?? rule.CidrIpv6}`)
    .sort();
}

async function albOrigins(fixture: Fixture): Promise<{ id: string; domain: string; headers: string[] }[]> {
  const out = await cloudfront.send(new GetDistributionConfigCommand({ Id: fixture.distributionId }));
  return (out.DistributionConfig?.Origins?.Items ?? []).map((origin) => ({
    id: origin.Id ?? '',
    domain: origin.DomainName ?? '',
    headers: (origin.CustomHeaders?.Items ?? []).map((h) => `${h.HeaderName}=${h.HeaderValue}`),
  }));
}

describe('moto launcher', () => {
  test('serves AWS APIs on a loopback port and stops by pid', async () => {
    expect(moto.endpoint).toBe(`http://127.0.0.1:${moto.port}`);
    expect(moto.pid).toBeGreaterThan(0);
    expect(() => process.kill(moto.pid, 0)).not.toThrow();
    const extra = await startMoto();
    await extra.stop();
    expect(() => process.kill(extra.pid, 0)).toThrow();
    await extra.stop(); // idempotent
  });
});

describe('seed-004 fixture', () => {
  test('default: the insecure starting point of the article', async () => {
    const fixture = await buildFixture({}, { endpoint: moto.endpoint });

    const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: fixture.subnetIds }));
    expect(new Set(subnets.Subnets?.map((s) => s.AvailabilityZone)).size).toBe(2);
    expect(subnets.Subnets?.every((s) => s.VpcId === fixture.vpcId)).toBe(true);

    expect(await ingress(fixture.securityGroupId)).toEqual(['tcp:80-80:0.0.0.0/0']);

    const lbs = await elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [fixture.loadBalancerArn] }),
    );
    const lb = lbs.LoadBalancers?.[0];
    expect(lb).toMatchObject({
      Scheme: 'internet-facing',
      Type: 'application',
      IpAddressType: 'ipv4',
      SecurityGroups: [fixture.securityGroupId],
      DNSName: fixture.loadBalancerDnsName,
    });

    const listeners = await elbv2.send(new DescribeListenersCommand({ ListenerArns: [fixture.listenerArn] }));
    expect(listeners.Listeners?.[0]).toMatchObject({ Protocol: 'HTTP', Port: 80 });
    expect(listeners.Listeners?.[0]?.DefaultActions?.[0]).toMatchObject({
      Type: 'forward',
      TargetGroupArn: fixture.targetGroupArn,
    });
    const rules = await elbv2.send(new DescribeRulesCommand({ ListenerArn: fixture.listenerArn }));
    expect(rules.Rules?.filter((r) => !r.IsDefault)).toEqual([]);
    // The ARN is the primary identifier; it must satisfy the schema's pattern.
    expect(fixture.listenerArn).toMatch(
      /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}\/[0-9a-f]{16}$/,
    );

    expect(await albOrigins(fixture)).toEqual([
      { id: 'alb', domain: fixture.loadBalancerDnsName, headers: [] },
    ]);
    expect(fixture.albOriginIds).toEqual(['alb']);

    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: fixture.secretArn }));
    expect(secret.SecretString).toBe(fixture.secretValue);
    expect(fixture.secretValue).toMatch(/^[a-z0-9]{48}$/);

    expect(fixture.prefixListIds.ipv4).toMatch(/^pl-/);
    expect(fixture.prefixListIds.ipv6).toBeUndefined();
    const ipv6 = await ec2.send(
      new DescribeManagedPrefixListsCommand({
        Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_IPV6_PREFIX_LIST] }],
      }),
    );
    expect(ipv6.PrefixLists).toEqual([]);

    expect(contractInputs(fixture).create).toMatchObject({
      ListenerArn: fixture.listenerArn,
      DistributionId: fixture.distributionId,
      SecretArn: fixture.secretArn,
    });
  });

  test('variant: dualstack, extra ingress, HTTPS listener, extra rules, several origins, JSON secret', async () => {
    const fixture = await buildFixture(
      {
        name: 'variant',
        dualstack: true,
        ipv6Ingress: true,
        extraIngress: true,
        httpsListener: true,
        extraRules: true,
        extraOrigins: true,
        originCustomHeaders: { 'X-Existing': 'keep-me' },
        secretFormat: 'json',
      },
      { endpoint: moto.endpoint },
    );

    expect(await ingress(fixture.securityGroupId)).toEqual([
      'tcp:22-22:10.0.0.0/8',
      'tcp:443-443:0.0.0.0/0',
      'tcp:443-443:::/0',
      'tcp:80-80:0.0.0.0/0',
      'tcp:80-80:::/0',
      'tcp:8080-8080:10.100.0.0/16',
    ]);

    const lbs = await elbv2.send(
      new DescribeLoadBalancersCommand({ LoadBalancerArns: [fixture.loadBalancerArn] }),
    );
    expect(lbs.LoadBalancers?.[0]?.IpAddressType).toBe('dualstack');
    const subnets = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: fixture.subnetIds }));
    expect(subnets.Subnets?.every((s) => (s.Ipv6CidrBlockAssociationSet ?? []).length === 1)).toBe(true);

    const https = await elbv2.send(
      new DescribeListenersCommand({ ListenerArns: [fixture.httpsListenerArn ?? ''] }),
    );
    expect(https.Listeners?.[0]).toMatchObject({ Protocol: 'HTTPS', Port: 443 });

    const rules = await elbv2.send(new DescribeRulesCommand({ ListenerArn: fixture.listenerArn }));
    const byPriority = Object.fromEntries(
      (rules.Rules ?? []).filter((r) => !r.IsDefault).map((r) => [r.Priority, r]),
    );
    expect(Object.keys(byPriority).sort()).toEqual(['10', '20', '30', '40']);
    expect(byPriority['10'].Conditions?.[0]).toMatchObject({
      Field: 'host-header',
      HostHeaderConfig: { Values: ['api.example.com'] },
    });
    expect(byPriority['10'].Actions?.[0]).toMatchObject({
      Type: 'forward',
      TargetGroupArn: fixture.apiTargetGroupArn,
    });
    expect(byPriority['20'].Conditions?.[0]).toMatchObject({ PathPatternConfig: { Values: ['/static/*'] } });
    expect(byPriority['30'].Actions?.[0]?.Type).toBe('redirect');
    expect(byPriority['40'].Actions?.[0]?.Type).toBe('fixed-response');
    expect(Object.values(fixture.ruleArns)).toHaveLength(4);

    const origins = await albOrigins(fixture);
    expect(origins.map((o) => o.id)).toEqual(['alb', 'static-assets', 'alb-api', 'legacy']);
    expect(origins[0].headers).toEqual(['X-Existing=keep-me']);
    expect(fixture.albOriginIds).toEqual(['alb', 'alb-api']);

    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: fixture.secretArn }));
    expect(JSON.parse(secret.SecretString ?? '{}')).toEqual({ header: fixture.secretValue });
    expect(contractInputs(fixture).create).toMatchObject({ SecretKey: 'header' });

    // The stand-in IPv6 list is found by name, like the real one, and created only once.
    expect(fixture.prefixListIds.ipv6).toMatch(/^pl-/);
    expect(await createIpv6CloudFrontPrefixList(ec2)).toBe(fixture.prefixListIds.ipv6);
    const ipv6 = await ec2.send(
      new DescribeManagedPrefixListsCommand({
        Filters: [{ Name: 'prefix-list-name', Values: [CLOUDFRONT_IPV6_PREFIX_LIST] }],
      }),
    );
    expect(ipv6.PrefixLists?.map((p) => [p.PrefixListId, p.AddressFamily, p.MaxEntries])).toEqual([
      [fixture.prefixListIds.ipv6, 'IPv6', undefined],
    ]);
  });
});

describe('recorder', () => {
  test('counts the mutating calls and names them', async () => {
    const fixture = await buildFixture({}, { endpoint: moto.endpoint });
    await moto.recorder.reset();
    await moto.recorder.start();
    await ec2.send(new DescribeSubnetsCommand({ SubnetIds: fixture.subnetIds }));
    await ec2.send(
      new CreateTagsCommand({ Resources: [fixture.securityGroupId], Tags: [{ Key: 'k', Value: 'v' }] }),
    );
    const config = await cloudfront.send(new GetDistributionConfigCommand({ Id: fixture.distributionId }));
    await cloudfront.send(
      new UpdateDistributionCommand({
        Id: fixture.distributionId,
        IfMatch: config.ETag,
        DistributionConfig: config.DistributionConfig,
      }),
    );
    await secrets.send(new GetSecretValueCommand({ SecretId: fixture.secretArn }));
    await moto.recorder.stop();
    await ec2.send(
      new CreateTagsCommand({ Resources: [fixture.vpcId], Tags: [{ Key: 'after', Value: 'stop' }] }),
    );

    expect(await moto.recorder.calls()).toEqual([
      { service: 'ec2', action: 'DescribeSubnets', method: 'POST', path: '/' },
      { service: 'ec2', action: 'CreateTags', method: 'POST', path: '/' },
      {
        service: 'cloudfront',
        action: 'GetDistributionConfig',
        method: 'GET',
        path: `/2020-05-31/distribution/${fixture.distributionId}/config`,
      },
      {
        service: 'cloudfront',
        action: 'UpdateDistribution',
        method: 'PUT',
        path: `/2020-05-31/distribution/${fixture.distributionId}/config`,
      },
      { service: 'secretsmanager', action: 'GetSecretValue', method: 'POST', path: '/' },
    ]);
    expect((await moto.recorder.mutatingCalls()).map((c) => `${c.service}:${c.action}`)).toEqual([
      'ec2:CreateTags',
      'cloudfront:UpdateDistribution',
    ]);
  });

  test('parses ELBv2 query calls and unknown REST calls', () => {
    const line = (entry: object): string => JSON.stringify(entry);
    const auth =
      'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/elasticloadbalancing/aws4_request, x';
    const recording = [
      line({
        headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' },
        method: 'POST',
        url: 'http://127.0.0.1:1/',
        body: Buffer.from('Action=ModifyListener&Version=2015-12-01').toString('base64'),
        body_encoded: true,
      }),
      line({
        headers: {},
        method: 'DELETE',
        url: 'http://127.0.0.1:1/some/thing',
        body: '',
        body_encoded: false,
      }),
    ].join('\n');
    expect(parseRecording(recording)).toEqual([
      { service: 'elasticloadbalancing', action: 'ModifyListener', method: 'POST', path: '/' },
      { service: 'unknown', action: 'DELETE /some/thing', method: 'DELETE', path: '/some/thing' },
    ]);
  });
});

describe('CloudFront status in moto', () => {
  const status = async (id: string): Promise<string | undefined> =>
    (await cloudfront.send(new GetDistributionCommand({ Id: id }))).Distribution?.Status;

  test('default: Deployed from the first read after create, and an update never goes back', async () => {
    const fixture = await buildFixture({}, { endpoint: moto.endpoint });
    expect(await status(fixture.distributionId)).toBe('Deployed');
    const config = await cloudfront.send(new GetDistributionConfigCommand({ Id: fixture.distributionId }));
    const updated = await cloudfront.send(
      new UpdateDistributionCommand({
        Id: fixture.distributionId,
        IfMatch: config.ETag,
        DistributionConfig: { ...config.DistributionConfig!, Comment: 'changed' },
      }),
    );
    expect(updated.Distribution?.Status).toBe('Deployed');
    expect(updated.ETag).toBe(config.ETag); // moto never changes the ETag
  });

  test('manual transition: InProgress until the N-th read', async () => {
    await moto.setCloudFrontTransition({ progression: 'manual', times: 3 });
    const fixture = await buildFixture({}, { endpoint: moto.endpoint });
    expect([
      await status(fixture.distributionId),
      await status(fixture.distributionId),
      await status(fixture.distributionId),
    ]).toEqual(['InProgress', 'InProgress', 'Deployed']);
    // reset() restores moto's default transition for the next test.
    await moto.reset();
    const next = await buildFixture({}, { endpoint: moto.endpoint });
    expect(await status(next.distributionId)).toBe('Deployed');
  });
});

describe('invoke server', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'acme-invoke-'));
    writeFileSync(
      path.join(dir, 'handler.js'),
      [
        'exports.entrypoint = async (event, context) => ({ status: "SUCCESS", echo: event, fn: context.functionName });',
        'exports.testEntrypoint = async () => { throw new TypeError("boom"); };',
      ].join('\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('maps function names to exports and reports function errors the Lambda way', async () => {
    const lines: string[] = [];
    const server = await startInvokeServer({
      handlerModule: path.join(dir, 'handler.js'),
      log: (l) => lines.push(l),
    });
    try {
      const post = (fn: string, body: string): Promise<Response> =>
        fetch(`${server.url}/2015-03-31/functions/${fn}/invocations`, { method: 'POST', body });

      const ok = await post('TypeFunction', '{"action":"READ","x":1}');
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-amz-function-error')).toBeNull();
      expect(await ok.json()).toEqual({
        status: 'SUCCESS',
        echo: { action: 'READ', x: 1 },
        fn: 'TypeFunction',
      });

      const failed = await post('TestEntrypoint', '{}');
      expect(failed.status).toBe(200);
      expect(failed.headers.get('x-amz-function-error')).toBe('Unhandled');
      expect(await failed.json()).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom' });

      const unknown = await post('Nope', '{}');
      expect(unknown.status).toBe(404);

      expect(lines).toEqual([
        expect.stringMatching(/^invoke TypeFunction READ -> SUCCESS \(\d+ ms\)$/),
        'invoke TestEntrypoint - -> Unhandled TypeError: boom',
        'invoke Nope: unknown function',
      ]);
      expect(lines.join('\n')).not.toContain('"x"'); // no bodies in the log
    } finally {
      await server.close();
    }
  });
});

describe('READ through the Invoke endpoint (compiled dist/src/registry/handlers.js)', () => {
  test('a listener without a lock reads as FAILED/NotFound with a message', async () => {
    ensureBuilt();
    const fixture = await buildFixture({}, { endpoint: moto.endpoint });
    const server = await spawnInvokeServer({ awsEndpoint: moto.endpoint });
    try {
      const reply = await invoke(
        server.url,
        'TypeFunction',
        handlerRequest({ action: 'READ', properties: { ListenerArn: fixture.listenerArn } }),
      );
      expect(reply.status).toBe('FAILED');
      expect(reply.errorCode).toBe('NotFound');
      expect(typeof reply.message).toBe('string');
      expect(reply.message?.length).toBeGreaterThan(0);
      expect(reply.resourceModel).toBeUndefined();

      // The sam-tests shape (TestEntrypoint) reaches the same handler.
      const viaTest = await invoke(
        server.url,
        'TestEntrypoint',
        testRequest({ action: 'READ', properties: { ListenerArn: fixture.listenerArn } }),
      );
      expect(viaTest).toMatchObject({ status: 'FAILED', errorCode: 'NotFound' });
      expect(server.output()).toMatch(/^invoke TypeFunction READ -> FAILED/m);
    } finally {
      await server.stop();
    }
  });
});
