import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, CfnResource, Duration, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IDependable } from 'constructs';

/** The resource type `provider: 'custom-resource'` declares (src/custom-resource/). */
export const CUSTOM_ORIGIN_LOCK_TYPE = 'Custom::OriginLock';

/**
 * CDK context key: a directory holding the custom resource bundle's index.js. Default: the repository's
 * build/bundle/custom-resource/, which `make bundle` (tools/bundle.mjs) writes.
 */
export const CUSTOM_RESOURCE_BUNDLE_CONTEXT = '@acme/origin-lock:customResourceBundle';

export const DEFAULT_CUSTOM_RESOURCE_BUNDLE = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'build',
  'bundle',
  'custom-resource',
);

/** What one lock lets the shared function touch. */
export interface LockTarget {
  readonly listenerArn: string;
  readonly distributionId: string;
  readonly secret: secretsmanager.ISecret;
  /** The edge-account role every CloudFront call of the lock assumes (DistributionRoleArn), if any. */
  readonly distributionRoleArn?: string;
}

/**
 * The Lambda function behind Custom::OriginLock, once per stack, as templates/custom-resource.yaml
 * declares it: its role grants the calls of the type's create, update and delete handlers
 * (schema/acme-origin-lock.json), each lock adding its own load balancer, distribution and secret.
 */
export class CustomOriginLockProvider extends Construct {
  /** The provider of `scope`'s stack, created on first use. */
  public static of(scope: Construct): CustomOriginLockProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    return existing instanceof CustomOriginLockProvider
      ? existing
      : new CustomOriginLockProvider(stack, PROVIDER_ID);
  }

  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  /** What a lock must wait for besides the function (which its ServiceToken already waits for). */
  public readonly readiness: IDependable[];

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    const code = bundleCode(this.node.tryGetContext(CUSTOM_RESOURCE_BUNDLE_CONTEXT) as unknown);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.role = new iam.Role(this, 'Role', {
      description: 'Custom::OriginLock provider - the lock engine AWS calls, and its own logs.',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'Describe', actions: DESCRIBE_ACTIONS, resources: ['*'] }),
    );
    // The lock's groups are found on the load balancer at run time; a dedicated group is created in its VPC.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SecurityGroups',
        actions: SECURITY_GROUP_ACTIONS,
        resources: [
          ec2Arn(stack, 'security-group/*'),
          ec2Arn(stack, 'security-group-rule/*'),
          ec2Arn(stack, 'vpc/*'),
          // The CloudFront origin-facing lists are AWS-owned prefix lists.
          stack.formatArn({ service: 'ec2', account: 'aws', resource: 'prefix-list/*' }),
        ],
      }),
    );

    this.function = new lambda.Function(this, 'Function', {
      description: 'Custom::OriginLock - locks an ALB listener to one CloudFront distribution.',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code,
      role: this.role,
      // One invocation polls CloudFront for up to this long, then hands over to a re-invocation (which
      // needs 60 s for an engine call + 15 s to answer + the 20 s poll pause at least); the handler
      // answers FAILED after 50 minutes, within CloudFormation's one hour.
      timeout: Duration.minutes(5),
      memorySize: 256,
      logGroup,
    });
    // CDK makes a function depend on its whole role construct, so that the role's grants exist before
    // it runs; the DependsOn on the role itself duplicates the Fn::GetAtt of its ARN (cfn-lint W3005).
    (this.function.node.defaultChild as CfnResource).addMetadata('cfn-lint', {
      config: { ignore_checks: ['W3005'] },
    });

    // Apart from the role's default policy, which the function depends on: granting the function's
    // own ARN there would be a circular dependency.
    const selfInvoke = new iam.Policy(this, 'SelfInvoke', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: [this.function.functionArn, `${this.function.functionArn}:*`],
        }),
      ],
    });
    // Continuations are asynchronous invocations: retry a crashed one (the engine is idempotent), and
    // drop it once CloudFormation would have given up on the request anyway.
    const asyncInvoke = new lambda.EventInvokeConfig(this, 'AsyncInvoke', {
      function: this.function,
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
    });
    this.readiness = [selfInvoke, asyncInvoke];
  }

  /**
   * Lets the function change `target`'s load balancer, distribution and secret (only those). A
   * distribution reached through a role is the role's business: the function may only assume it.
   */
  public grantLock(target: LockTarget): void {
    const stack = Stack.of(this);
    // arn:…:listener/app/<name>/<id>/<listener id>: the load balancer is app/<name>/<id>.
    const parts = Fn.split('/', target.listenerArn);
    const loadBalancer = `app/${Fn.select(2, parts)}/${Fn.select(3, parts)}`;
    const elbArn = (resource: string, name: string) =>
      stack.formatArn({
        service: 'elasticloadbalancing',
        resource,
        resourceName: name,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: LOAD_BALANCER_ACTIONS,
        resources: [
          elbArn('loadbalancer', loadBalancer),
          elbArn('listener', `${loadBalancer}/*`),
          elbArn('listener-rule', `${loadBalancer}/*`),
        ],
      }),
    );
    this.role.addToPrincipalPolicy(
      target.distributionRoleArn !== undefined
        ? new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [target.distributionRoleArn] })
        : new iam.PolicyStatement({
            actions: DISTRIBUTION_ACTIONS,
            resources: [
              stack.formatArn({
                service: 'cloudfront',
                region: '',
                resource: 'distribution',
                resourceName: target.distributionId,
                arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
              }),
            ],
          }),
    );
    // secretsmanager:GetSecretValue and DescribeSecret (on the ARN IAM matches, also for a partial ARN).
    target.secret.grantRead(this.role);
    // A customer managed key: decrypt through Secrets Manager only. Stated here because grantRead
    // leaves it to the key policy for an imported key.
    if (target.secret.encryptionKey) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [target.secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
  }
}

const PROVIDER_ID = 'AcmeOriginLockProvider';

// The calls of the type's create, update and delete handlers (schema/acme-origin-lock.json), by what
// they may be scoped to (sts:AssumeRole: a lock's DistributionRoleArn); test/cdk-origin-lock.test.ts
// checks they add up to exactly the schema's.
const DESCRIBE_ACTIONS = [
  'elasticloadbalancing:DescribeListeners',
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:DescribeRules',
  'elasticloadbalancing:DescribeTags',
  'elasticloadbalancing:DescribeAccountLimits',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeManagedPrefixLists',
  // Who else uses a group the lock would narrow (checked before the first write).
  'ec2:DescribeNetworkInterfaces',
  'servicequotas:GetServiceQuota',
];
const SECURITY_GROUP_ACTIONS = [
  'ec2:AuthorizeSecurityGroupIngress',
  'ec2:RevokeSecurityGroupIngress',
  'ec2:CreateTags',
  'ec2:CreateSecurityGroup',
  'ec2:DeleteSecurityGroup',
];
const LOAD_BALANCER_ACTIONS = [
  'elasticloadbalancing:AddTags',
  'elasticloadbalancing:RemoveTags',
  'elasticloadbalancing:CreateRule',
  'elasticloadbalancing:ModifyRule',
  'elasticloadbalancing:DeleteRule',
  'elasticloadbalancing:ModifyListener',
  'elasticloadbalancing:SetSecurityGroups',
];
const DISTRIBUTION_ACTIONS = [
  'cloudfront:GetDistribution',
  'cloudfront:GetDistributionConfig',
  'cloudfront:UpdateDistribution',
  // Whether a CloudFormation stack owns the distribution (checked before the first write).
  'cloudfront:ListTagsForResource',
];

function ec2Arn(stack: Stack, resource: string): string {
  return stack.formatArn({ service: 'ec2', resource });
}

/** The prebuilt bundle as a Lambda asset; synthesis never runs esbuild. */
function bundleCode(contextDir: unknown): lambda.Code {
  const dir =
    typeof contextDir === 'string' && contextDir !== ''
      ? path.resolve(contextDir)
      : DEFAULT_CUSTOM_RESOURCE_BUNDLE;
  if (!existsSync(path.join(dir, 'index.js'))) {
    throw new Error(
      `OriginLock: provider 'custom-resource' needs the Custom::OriginLock bundle, and ${path.join(dir, 'index.js')} does not exist. Run \`make bundle\` in the origin-lock repository (tools/bundle.mjs writes build/bundle/custom-resource/), or set the CDK context ${CUSTOM_RESOURCE_BUNDLE_CONTEXT} to a directory holding the bundle's index.js.`,
    );
  }
  // The source map and esbuild's metafile stay out of the deployment package.
  return lambda.Code.fromAsset(dir, { exclude: ['*.map', 'meta.json'] });
}
