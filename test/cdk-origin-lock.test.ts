/** The OriginLock CDK construct (packages/cdk/), checked on the synthesized template. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { OriginLock, OriginLockProps } from '../packages/cdk/src';

const LISTENER_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123456789abcdef/0123456789abcdef';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:origin-lock/header-AbCdEf';
const LOCK = 'Acme::Origin::Lock';

function newStack(): Stack {
  return new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
}

/** A lock on an imported listener and distribution, plus whatever `props` adds. */
function importedLock(props: Partial<OriginLockProps> = {}): { stack: Stack; template: Template } {
  const stack = newStack();
  new OriginLock(stack, 'Lock', { listenerArn: LISTENER_ARN, distributionId: 'E2EXAMPLE', ...props });
  return { stack, template: Template.fromStack(stack) };
}

/** An ALB, its listener and a Distribution in front of it, all in the same stack. */
function sameAppStack(): {
  stack: Stack;
  listener: elbv2.ApplicationListener;
  loadBalancer: elbv2.ApplicationLoadBalancer;
  distribution: cloudfront.Distribution;
} {
  const stack = newStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, 'Alb', { vpc, internetFacing: true });
  const listener = loadBalancer.addListener('Http', {
    port: 80,
    open: false,
    defaultAction: elbv2.ListenerAction.fixedResponse(200),
  });
  const distribution = new cloudfront.Distribution(stack, 'Cdn', {
    defaultBehavior: {
      origin: new origins.LoadBalancerV2Origin(loadBalancer, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
        originId: 'alb',
        customHeaders: { 'X-Other': 'kept' },
      }),
    },
    additionalBehaviors: { '/static/*': { origin: new origins.HttpOrigin('static.example.com') } },
  });
  return { stack, listener, loadBalancer, distribution };
}

function onlyResource(template: Template, type: string): { Properties: Record<string, unknown> } {
  const found = Object.values(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0] as { Properties: Record<string, unknown> };
}

describe('secret', () => {
  test('without secret: a generated secret of 64 [a-z0-9] characters, referenced by the lock', () => {
    const { stack, template } = importedLock();
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        PasswordLength: 64,
        ExcludePunctuation: true,
        ExcludeUppercase: true,
        IncludeSpace: false,
      },
    });
    const secretId = stack.getLogicalId(
      stack.node.findChild('Lock').node.findChild('HeaderSecret').node
        .defaultChild as secretsmanager.CfnSecret,
    );
    template.hasResourceProperties(LOCK, {
      ListenerArn: LISTENER_ARN,
      DistributionId: 'E2EXAMPLE',
      SecretArn: { Ref: secretId },
    });
  });

  test('the generated secret string rules leave only lowercase letters and digits', () => {
    const { template } = importedLock();
    const generate = onlyResource(template, 'AWS::SecretsManager::Secret').Properties
      .GenerateSecretString as Record<string, unknown>;
    // Uppercase and punctuation (which includes * and ?) excluded, no space, no character set of its own.
    expect(generate).not.toHaveProperty('ExcludeLowercase', true);
    expect(generate).not.toHaveProperty('ExcludeNumbers', true);
    expect(generate).not.toHaveProperty('ExcludeCharacters');
    expect(generate).not.toHaveProperty('SecretStringTemplate');
    expect(generate.PasswordLength).toBe(64);
  });

  test('with secret: no secret is created and the lock uses the given ARN', () => {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Given', SECRET_ARN);
    new OriginLock(stack, 'Lock', { listenerArn: LISTENER_ARN, distributionId: 'E2EXAMPLE', secret });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties(LOCK, { SecretArn: SECRET_ARN });
  });
});

test('rotation: a RotationSchedule with the given function, after the lock', () => {
  const stack = newStack();
  const rotationLambda = lambda.Function.fromFunctionArn(
    stack,
    'Rotation',
    'arn:aws:lambda:us-east-1:123456789012:function:origin-lock-rotation',
  );
  new OriginLock(stack, 'Lock', {
    listenerArn: LISTENER_ARN,
    distributionId: 'E2EXAMPLE',
    rotation: { schedule: Duration.days(30), rotationLambda },
  });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
    RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:origin-lock-rotation',
    RotateImmediatelyOnUpdate: false,
    RotationRules: Match.anyValue(),
  });
  const lockId = Object.keys(template.findResources(LOCK))[0];
  template.hasResource('AWS::SecretsManager::RotationSchedule', { DependsOn: Match.arrayWith([lockId]) });
});

test('no rotation: no RotationSchedule', () => {
  importedLock().template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
});

describe('distribution', () => {
  test('same app: the load balancer origin sends the header as a dynamic reference, OriginHeader false', () => {
    const { stack, listener, loadBalancer, distribution } = sameAppStack();
    const lock = new OriginLock(stack, 'Lock', { listener, distribution });
    const template = Template.fromStack(stack);
    const secretRef = stack.resolve(lock.secret.secretArn);
    const config = onlyResource(template, 'AWS::CloudFront::Distribution').Properties.DistributionConfig as {
      Origins: { DomainName: unknown; OriginCustomHeaders?: unknown[] }[];
    };
    const albDns = stack.resolve(loadBalancer.loadBalancerDnsName);
    const albOrigin = config.Origins.find((o) => JSON.stringify(o.DomainName) === JSON.stringify(albDns));
    const other = config.Origins.find((o) => o.DomainName === 'static.example.com');
    expect(albOrigin?.OriginCustomHeaders).toEqual([
      { HeaderName: 'X-Other', HeaderValue: 'kept' },
      {
        HeaderName: 'X-Origin-Verify',
        HeaderValue: {
          'Fn::Sub': ['{{resolve:secretsmanager:${SecretId}:SecretString:::}}', { SecretId: secretRef }],
        },
      },
    ]);
    // Only the origin that reaches the locked load balancer carries the secret.
    expect(other?.OriginCustomHeaders).toBeUndefined();
    template.hasResourceProperties(LOCK, {
      ListenerArn: stack.resolve(listener.listenerArn),
      DistributionId: stack.resolve(distribution.distributionId),
      Enforce: { OriginHeader: false },
    });
  });

  test('same app, listener by ARN: originId picks the origin, which gets the custom header name', () => {
    const { stack, distribution } = sameAppStack();
    new OriginLock(stack, 'Lock', {
      listenerArn: LISTENER_ARN,
      distribution,
      originId: 'alb',
      headerName: 'X-Edge-Key',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Origins: Match.arrayWith([
          Match.objectLike({
            Id: 'alb',
            OriginCustomHeaders: [
              { HeaderName: 'X-Other', HeaderValue: 'kept' },
              { HeaderName: 'X-Edge-Key', HeaderValue: { 'Fn::Sub': Match.anyValue() } },
            ],
          }),
        ]),
      },
    });
    template.hasResourceProperties(LOCK, {
      OriginId: 'alb',
      HeaderName: 'X-Edge-Key',
      Enforce: { OriginHeader: false },
    });
  });

  test('same app, secretVersionId: the dynamic reference names that version', () => {
    const { stack, listener, distribution } = sameAppStack();
    new OriginLock(stack, 'Lock', {
      listener,
      distribution,
      secretVersionId: 'a1b2c3d4-0000-4000-8000-000000000001',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Origins: Match.arrayWith([
          Match.objectLike({
            OriginCustomHeaders: Match.arrayWith([
              {
                HeaderName: 'X-Origin-Verify',
                HeaderValue: {
                  'Fn::Sub': [
                    '{{resolve:secretsmanager:${SecretId}:SecretString:::a1b2c3d4-0000-4000-8000-000000000001}}',
                    Match.anyValue(),
                  ],
                },
              },
            ]),
          }),
        ]),
      },
    });
  });

  test('same app, an originId that names no origin: refused at synthesis', () => {
    const { stack, listener, distribution } = sameAppStack();
    new OriginLock(stack, 'Lock', { listener, distribution, originId: 'missing' });
    expect(() => Template.fromStack(stack)).toThrow(/no origin of distribution/);
  });

  test('same app, the origin already sends the header: refused at synthesis', () => {
    const { stack, listener, distribution } = sameAppStack();
    new OriginLock(stack, 'Lock', { listener, distribution, headerName: 'x-other' });
    expect(() => Template.fromStack(stack)).toThrow(/already sends x-other/);
  });

  test('same app, enforce.originHeader true: refused (the next deployment would drop a stamp)', () => {
    const { stack, listener, distribution } = sameAppStack();
    expect(
      () => new OriginLock(stack, 'Lock', { listener, distribution, enforce: { originHeader: true } }),
    ).toThrow(/originHeader cannot be true/);
  });

  test('same app, listener given by ARN and no originId: refused at synthesis, naming originId', () => {
    const { stack, distribution } = sameAppStack();
    new OriginLock(stack, 'Lock', { listenerArn: LISTENER_ARN, distribution });
    expect(() => Template.fromStack(stack)).toThrow(/pass originId/);
  });

  test('imported distribution: OriginHeader left at its default and no header written anywhere', () => {
    const stack = newStack();
    const distribution = cloudfront.Distribution.fromDistributionAttributes(stack, 'Cdn', {
      distributionId: 'E2EXAMPLE',
      domainName: 'd111111abcdef8.cloudfront.net',
    });
    new OriginLock(stack, 'Lock', { listenerArn: LISTENER_ARN, distribution });
    const template = Template.fromStack(stack);
    const lock = onlyResource(template, LOCK);
    expect(lock.Properties.DistributionId).toBe('E2EXAMPLE');
    expect(lock.Properties).not.toHaveProperty('Enforce');
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
  });
});

test('headerName, originId, denyResponse, enforce and allowedSources pass through with the schema names', () => {
  const { template } = importedLock({
    headerName: 'X-Edge-Key',
    originId: 'alb',
    denyResponse: { statusCode: '404', contentType: 'application/json', messageBody: '{}' },
    enforce: {
      securityGroup: true,
      listenerRules: true,
      denyDefault: false,
      originHeader: true,
      httpsOrigin: true,
      dedicatedSecurityGroup: true,
      sharedSecurityGroups: false,
    },
    allowedSources: ['203.0.113.0/24', 'pl-0123456789abcdef0'],
  });
  expect(onlyResource(template, LOCK).Properties).toEqual({
    ListenerArn: LISTENER_ARN,
    DistributionId: 'E2EXAMPLE',
    SecretArn: expect.anything(),
    HeaderName: 'X-Edge-Key',
    OriginId: 'alb',
    DenyResponse: { StatusCode: '404', ContentType: 'application/json', MessageBody: '{}' },
    Enforce: {
      SecurityGroup: true,
      ListenerRules: true,
      DenyDefault: false,
      OriginHeader: true,
      HttpsOrigin: true,
      DedicatedSecurityGroup: true,
      SharedSecurityGroups: false,
    },
    AllowedSources: ['203.0.113.0/24', 'pl-0123456789abcdef0'],
  });
});

test('defaults: only the required properties are written', () => {
  expect(Object.keys(onlyResource(importedLock().template, LOCK).Properties).sort()).toEqual([
    'DistributionId',
    'ListenerArn',
    'SecretArn',
  ]);
});

describe('refused props', () => {
  test.each<[string, Partial<OriginLockProps>]>([
    [
      'both listener forms',
      { distributionId: 'E2EXAMPLE', listenerArn: LISTENER_ARN, listener: {} as never },
    ],
    ['no listener', { distributionId: 'E2EXAMPLE' }],
    ['no distribution', { listenerArn: LISTENER_ARN }],
  ])('%s', (_name, props) => {
    const stack = newStack();
    expect(() => new OriginLock(stack, 'Lock', props as OriginLockProps)).toThrow(/exactly one of/);
  });

  test('a header name that is not an HTTP token', () => {
    expect(() => importedLock({ headerName: 'X Origin' })).toThrow(/headerName/);
  });

  test("provider 'custom-resource' is not implemented yet", () => {
    expect(() => importedLock({ provider: 'custom-resource' })).toThrow(/not implemented yet/);
  });
});
