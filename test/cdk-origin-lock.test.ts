/** The OriginLock CDK construct (packages/cdk/), checked on the synthesized template. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CUSTOM_RESOURCE_BUNDLE_CONTEXT,
  OriginLock,
  OriginLockProps,
  OriginLockProvider,
} from '../packages/cdk/src';
import { stubCustomResourceBundle } from './support/stub-bundle';

const LISTENER_ARN =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/0123456789abcdef/0123456789abcdef';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:origin-lock/header-AbCdEf';
const LOCK = 'Acme::Origin::Lock';
const EDGE_ROLE_ARN = 'arn:aws:iam::210987654321:role/origin-lock-edge';

const bundle = stubCustomResourceBundle();
afterAll(() => bundle.remove());

/** `context` defaults to one where provider 'custom-resource' finds its (stub) bundle. */
function newStack(context: Record<string, string> = { [CUSTOM_RESOURCE_BUNDLE_CONTEXT]: bundle.dir }): Stack {
  return new Stack(new App({ context }), 'Test', { env: { account: '123456789012', region: 'us-east-1' } });
}

/** A lock on an imported listener and distribution, plus whatever `props` adds. */
function importedLock(props: Partial<OriginLockProps> = {}): { stack: Stack; template: Template } {
  const stack = newStack();
  new OriginLock(stack, 'Lock', { listenerArn: LISTENER_ARN, distributionId: 'E2EXAMPLE', ...props });
  return { stack, template: Template.fromStack(stack) };
}

/** An ALB, its listener and a Distribution in front of it, all in the same stack. */
function sameAppStack(stack = newStack()): {
  stack: Stack;
  listener: elbv2.ApplicationListener;
  loadBalancer: elbv2.ApplicationLoadBalancer;
  distribution: cloudfront.Distribution;
} {
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

describe('distribution in another account (distributionRoleArn)', () => {
  test('the role and its external id pass through as DistributionRoleArn and DistributionRoleExternalId', () => {
    const { template } = importedLock({
      distributionRoleArn: EDGE_ROLE_ARN,
      distributionRoleExternalId: 'acme-edge',
    });
    expect(onlyResource(template, LOCK).Properties).toMatchObject({
      DistributionId: 'E2EXAMPLE',
      DistributionRoleArn: EDGE_ROLE_ARN,
      DistributionRoleExternalId: 'acme-edge',
    });
  });

  test('an imported distribution construct may be in another account', () => {
    const stack = newStack();
    const distribution = cloudfront.Distribution.fromDistributionAttributes(stack, 'Cdn', {
      distributionId: 'E2EXAMPLE',
      domainName: 'd111111abcdef8.cloudfront.net',
    });
    new OriginLock(stack, 'Lock', {
      listenerArn: LISTENER_ARN,
      distribution,
      distributionRoleArn: EDGE_ROLE_ARN,
    });
    expect(onlyResource(Template.fromStack(stack), LOCK).Properties).toMatchObject({
      DistributionId: 'E2EXAMPLE',
      DistributionRoleArn: EDGE_ROLE_ARN,
    });
  });

  test.each<OriginLockProvider>(['registry', 'custom-resource'])(
    'a distribution of this app with a role: refused at construction (%s)',
    (provider) => {
      const { stack, listener, distribution } = sameAppStack();
      expect(
        () =>
          new OriginLock(stack, 'Lock', {
            listener,
            distribution,
            distributionRoleArn: EDGE_ROLE_ARN,
            provider,
          }),
      ).toThrow(
        /distributionRoleArn is for a distribution in another account.*Cdn is a distribution of this app/,
      );
    },
  );

  test('an external id without a role: refused at construction', () => {
    expect(() => importedLock({ distributionRoleExternalId: 'acme-edge' })).toThrow(
      /distributionRoleExternalId needs distributionRoleArn/,
    );
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

  test('an unknown provider', () => {
    expect(() => importedLock({ provider: 'lambda' as never })).toThrow(/provider must be/);
  });
});

describe("provider 'custom-resource'", () => {
  const CUSTOM = 'Custom::OriginLock';
  const FUNCTION = 'AWS::Lambda::Function';

  const schema = JSON.parse(
    readFileSync(join(__dirname, '..', 'schema', 'acme-origin-lock.json'), 'utf8'),
  ) as { handlers: Record<string, { permissions: string[] }> };

  interface Statement {
    Action: string | string[];
    Resource: unknown;
    Condition?: unknown;
  }

  /** Every statement of every identity policy of the template, by policy logical id. */
  function statementsOf(template: Template): Statement[] {
    return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
  }
  const actionsOf = (statements: Statement[]): string[] =>
    [...new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])))].sort();

  test('a Custom::OriginLock whose ServiceToken is the stack function, with the registry variant properties', () => {
    const props: Partial<OriginLockProps> = {
      headerName: 'X-Edge-Key',
      denyResponse: { statusCode: '404' },
      enforce: { httpsOrigin: true },
      allowedSources: ['203.0.113.0/24'],
    };
    const custom = importedLock({ ...props, provider: 'custom-resource' });
    const registry = importedLock(props);
    custom.template.resourceCountIs(LOCK, 0);
    const lock = onlyResource(custom.template, CUSTOM).Properties;
    const functionId = Object.keys(custom.template.findResources(FUNCTION))[0];
    expect(lock.ServiceToken).toEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
    const { ServiceToken: _token, ...rest } = lock;
    expect(rest).toEqual(onlyResource(registry.template, LOCK).Properties);
    // The read-only attributes come back through Fn::GetAtt as with the registry type.
    const lockConstruct = custom.stack.node.findChild('Lock') as OriginLock;
    expect(custom.stack.resolve(lockConstruct.attrForwardRuleArn)).toEqual({
      'Fn::GetAtt': [custom.stack.getLogicalId(lockConstruct.resource), 'ForwardRuleArn'],
    });
    expect(lockConstruct.providerFunction).toBeDefined();
  });

  test('the function: nodejs22.x, index.handler of the bundle asset, 300 s, its own log group', () => {
    const { template } = importedLock({ provider: 'custom-resource' });
    template.hasResourceProperties(FUNCTION, {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Timeout: 300,
      Architectures: ['arm64'],
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('\\.zip$') },
      LoggingConfig: { LogGroup: { Ref: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
    });
  });

  test('two locks in a stack share one function, one role; each lock waits for the self-invoke policy', () => {
    const stack = newStack();
    const other = `${LISTENER_ARN.replace('/web/', '/api/')}`;
    new OriginLock(stack, 'A', {
      listenerArn: LISTENER_ARN,
      distributionId: 'E2EXAMPLE',
      provider: 'custom-resource',
    });
    new OriginLock(stack, 'B', {
      listenerArn: other,
      distributionId: 'E3EXAMPLE',
      provider: 'custom-resource',
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs(FUNCTION, 1);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    const locks = Object.values(template.findResources(CUSTOM)) as { DependsOn?: string[] }[];
    expect(locks).toHaveLength(2);
    const selfInvoke = Object.keys(
      template.findResources('AWS::IAM::Policy', {
        Properties: {
          PolicyDocument: { Statement: [Match.objectLike({ Action: 'lambda:InvokeFunction' })] },
        },
      }),
    );
    expect(selfInvoke).toHaveLength(1);
    const asyncInvoke = Object.keys(template.findResources('AWS::Lambda::EventInvokeConfig'))[0];
    for (const lock of locks)
      expect(lock.DependsOn).toEqual(expect.arrayContaining([selfInvoke[0], asyncInvoke]));
    // Each lock's load balancer and distribution are granted, and only those.
    const resources = JSON.stringify(statementsOf(template).map((s) => s.Resource));
    for (const name of ['loadbalancer/app/web/0123456789abcdef', 'loadbalancer/app/api/0123456789abcdef']) {
      expect(resources).toContain(name);
    }
    for (const id of ['distribution/E2EXAMPLE', 'distribution/E3EXAMPLE']) expect(resources).toContain(id);
  });

  test("the role's actions are exactly the schema's create, update and delete permissions, its logs and self-invoke (sts:AssumeRole only with a distribution role)", () => {
    const { template } = importedLock({ provider: 'custom-resource' });
    const handlers = ['create', 'update', 'delete']
      .flatMap((h) => schema.handlers[h].permissions)
      .filter((a) => a !== 'sts:AssumeRole');
    expect(actionsOf(statementsOf(template))).toEqual(
      [
        ...new Set([...handlers, 'logs:CreateLogStream', 'logs:PutLogEvents', 'lambda:InvokeFunction']),
      ].sort(),
    );
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('the role is scoped: only the lock’s load balancer, distribution and secret; only Describe* and quotas on *', () => {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Given', SECRET_ARN);
    new OriginLock(stack, 'Lock', {
      listenerArn: LISTENER_ARN,
      distributionId: 'E2EXAMPLE',
      secret,
      provider: 'custom-resource',
    });
    const statements = statementsOf(Template.fromStack(stack));
    const onStar = actionsOf(statements.filter((s) => s.Resource === '*'));
    expect(onStar.every((a) => /:Describe|^servicequotas:GetServiceQuota$/.test(a))).toBe(true);
    const secretStatement = statements.find((s) => actionsOf([s]).includes('secretsmanager:GetSecretValue'));
    expect(secretStatement?.Resource).toBe(SECRET_ARN);
    const distribution = statements.find((s) => actionsOf([s]).includes('cloudfront:UpdateDistribution'));
    expect(stack.resolve(distribution?.Resource)).toEqual({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::123456789012:distribution/E2EXAMPLE'],
      ],
    });
  });

  test('with distributionRoleArn: the function may assume that role (only it), and no CloudFront call is granted here', () => {
    const { template } = importedLock({
      provider: 'custom-resource',
      distributionRoleArn: EDGE_ROLE_ARN,
      distributionRoleExternalId: 'acme-edge',
    });
    const statements = statementsOf(template);
    const handlers = ['create', 'update', 'delete']
      .flatMap((h) => schema.handlers[h].permissions)
      .filter((a) => !a.startsWith('cloudfront:'));
    expect(actionsOf(statements)).toEqual(
      [
        ...new Set([...handlers, 'logs:CreateLogStream', 'logs:PutLogEvents', 'lambda:InvokeFunction']),
      ].sort(),
    );
    const assume = statements.filter((s) => actionsOf([s]).includes('sts:AssumeRole'));
    expect(assume).toEqual([expect.objectContaining({ Action: 'sts:AssumeRole', Resource: EDGE_ROLE_ARN })]);
    expect(onlyResource(template, CUSTOM).Properties).toMatchObject({
      DistributionRoleArn: EDGE_ROLE_ARN,
      DistributionRoleExternalId: 'acme-edge',
    });
  });

  test('two locks, one through a role: each gets its own grant', () => {
    const stack = newStack();
    new OriginLock(stack, 'A', {
      listenerArn: LISTENER_ARN,
      distributionId: 'E2EXAMPLE',
      provider: 'custom-resource',
    });
    new OriginLock(stack, 'B', {
      listenerArn: LISTENER_ARN.replace('/web/', '/api/'),
      distributionId: 'E3EXAMPLE',
      distributionRoleArn: EDGE_ROLE_ARN,
      provider: 'custom-resource',
    });
    const statements = statementsOf(Template.fromStack(stack));
    const cloudfrontOn = JSON.stringify(
      statements
        .filter((s) => actionsOf([s]).includes('cloudfront:UpdateDistribution'))
        .map((s) => s.Resource),
    );
    expect(cloudfrontOn).toContain('distribution/E2EXAMPLE');
    expect(cloudfrontOn).not.toContain('E3EXAMPLE');
    expect(
      statements.filter((s) => actionsOf([s]).includes('sts:AssumeRole')).map((s) => s.Resource),
    ).toEqual([EDGE_ROLE_ARN]);
  });

  test('a secret with a customer managed key: kms:Decrypt through Secrets Manager only', () => {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'Given', {
      secretCompleteArn: SECRET_ARN,
      encryptionKey: kms.Key.fromKeyArn(
        stack,
        'Key',
        'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ),
    });
    new OriginLock(stack, 'Lock', {
      listenerArn: LISTENER_ARN,
      distributionId: 'E2EXAMPLE',
      secret,
      provider: 'custom-resource',
    });
    const decrypt = statementsOf(Template.fromStack(stack)).find((s) =>
      actionsOf([s]).includes('kms:Decrypt'),
    );
    expect(decrypt).toMatchObject({
      Resource: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
    });
  });

  test('same app: the header goes into the distribution as a dynamic reference, OriginHeader false', () => {
    const { stack, listener, distribution } = sameAppStack();
    const lock = new OriginLock(stack, 'Lock', { listener, distribution, provider: 'custom-resource' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Origins: Match.arrayWith([
          Match.objectLike({
            Id: 'alb',
            OriginCustomHeaders: [
              { HeaderName: 'X-Other', HeaderValue: 'kept' },
              {
                HeaderName: 'X-Origin-Verify',
                HeaderValue: {
                  'Fn::Sub': [
                    '{{resolve:secretsmanager:${SecretId}:SecretString:::}}',
                    { SecretId: stack.resolve(lock.secret.secretArn) },
                  ],
                },
              },
            ],
          }),
        ]),
      },
    });
    template.hasResourceProperties(CUSTOM, {
      ListenerArn: stack.resolve(listener.listenerArn),
      DistributionId: stack.resolve(distribution.distributionId),
      Enforce: { OriginHeader: false },
    });
    template.resourceCountIs(LOCK, 0);
  });

  test('rotation works the same: the schedule waits for the custom resource', () => {
    const stack = newStack();
    const rotationLambda = lambda.Function.fromFunctionArn(
      stack,
      'Rotation',
      'arn:aws:lambda:us-east-1:123456789012:function:origin-lock-rotation',
    );
    new OriginLock(stack, 'Lock', {
      listenerArn: LISTENER_ARN,
      distributionId: 'E2EXAMPLE',
      provider: 'custom-resource',
      rotation: { schedule: Duration.days(30), rotationLambda },
    });
    const template = Template.fromStack(stack);
    const lockId = Object.keys(template.findResources(CUSTOM))[0];
    template.hasResource('AWS::SecretsManager::RotationSchedule', { DependsOn: Match.arrayWith([lockId]) });
  });

  test('the registry provider adds no function', () => {
    importedLock().template.resourceCountIs(FUNCTION, 0);
  });

  test('without the bundle: refused at construction, naming make bundle and the context key', () => {
    const stack = newStack({ [CUSTOM_RESOURCE_BUNDLE_CONTEXT]: join(bundle.dir, 'missing') });
    expect(
      () =>
        new OriginLock(stack, 'Lock', {
          listenerArn: LISTENER_ARN,
          distributionId: 'E2EXAMPLE',
          provider: 'custom-resource',
        }),
    ).toThrow(/make bundle.*@acme\/origin-lock:customResourceBundle/s);
  });
});
