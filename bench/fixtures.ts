/**
 * Builds the "seed-004" insecure starting point in moto: the architecture of the article the product
 * was designed from (an internet-facing ALB whose security group admits the world on the listener
 * port, fronted by a CloudFront distribution that anyone can bypass), plus options for the variants
 * the lock must cope with (dualstack, extra listener rules, several origins, JSON secrets, ...).
 *
 * Only AWS SDK v3 clients are used, so the same code would build the fixture in a real account.
 * moto facts this relies on (moto 5.2.5):
 *   - An HTTPS listener needs no real certificate: ACM ARNs must exist in moto's ACM backend
 *     (CertificateNotFound otherwise), but IAM server-certificate ARNs are accepted unchecked, and a
 *     listener without Certificates is accepted too (real AWS rejects that). We pass an IAM ARN.
 *   - ELBv2 AddTags: moto allows 10 tags per resource, AWS 50; bench/moto-server.py runs moto with 50;
 *     EC2 CreateTags allows 50 (as AWS). The fixture itself tags nothing on the ALB side.
 *   - The IPv4 CloudFront origin-facing managed prefix list exists (OwnerId "AWS", no MaxEntries, no
 *     Version); the IPv6 one does not: `createIpv6CloudFrontPrefixList` creates a stand-in.
 */
import { randomInt } from 'node:crypto';
import {
  CreateDistributionCommand,
  CloudFrontClient,
  type CacheBehavior,
  type Origin,
} from '@aws-sdk/client-cloudfront';
import {
  AssociateSubnetCidrBlockCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateManagedPrefixListCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  AssociateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeManagedPrefixListsCommand,
  EC2Client,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
  type Action,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const TEST_REGION = 'us-east-1';
/** moto accepts any credentials; these are the conventional placeholders. */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export const CLOUDFRONT_IPV4_PREFIX_LIST = 'com.amazonaws.global.cloudfront.origin-facing';
export const CLOUDFRONT_IPV6_PREFIX_LIST = 'com.amazonaws.global.ipv6.cloudfront.origin-facing';

/** AWS managed cache policy "CachingDisabled" (moto does not check policy ids). */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

export type ExtraRule = 'host' | 'path' | 'redirect' | 'fixed-response';
export type ExtraOrigin = 's3' | 'second-alb-origin' | 'other-custom';

export interface FixtureOptions {
  /** Prefix of every resource name (ELB names: at most 32 characters). Default "seed-004". */
  name?: string;
  /** Port of the HTTP listener the lock is aimed at. Default 80. */
  listenerPort?: number;
  /** Also admit ::/0 on the listener ports. Default false. */
  ipv6Ingress?: boolean;
  /** Unrelated ingress the lock must leave alone: tcp 22 from 10.0.0.0/8, tcp 8080 from the VPC. */
  extraIngress?: boolean;
  /** ipAddressType "dualstack" (the VPC and subnets then get IPv6 CIDRs). Default false. */
  dualstack?: boolean;
  /** Create the stand-in IPv6 CloudFront prefix list. Default: same as `dualstack`. */
  ipv6PrefixList?: boolean;
  /** Also create an HTTPS:443 listener (IAM server-certificate ARN) forwarding to the target group. */
  httpsListener?: boolean;
  /** Extra rules on the HTTP listener; `true` means all four. Default none. */
  extraRules?: boolean | ExtraRule[];
  /** Extra distribution origins besides the ALB origin; `true` means all three. Default none. */
  extraOrigins?: boolean | ExtraOrigin[];
  /** Custom headers already present on the ALB origin, e.g. {"X-Existing": "keep"}. */
  originCustomHeaders?: Record<string, string>;
  /** Origin protocol policy of the ALB origin(s). Default "http-only" (as in the article). */
  originProtocolPolicy?: 'http-only' | 'https-only' | 'match-viewer';
  /** Secret string as the bare header value ("plain", default) or as JSON {"<secretKey>": value}. */
  secretFormat?: 'plain' | 'json';
  /** JSON key for secretFormat "json". Default "header". */
  secretKey?: string;
}

export interface ClientSettings {
  /** moto endpoint; default: AWS_ENDPOINT_URL from the environment (the SDK reads it itself). */
  endpoint?: string;
  region?: string;
  /** Default TEST_CREDENTIALS; an assumed role's make moto act as that role's account. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface Fixture {
  region: string;
  accountId: string;
  name: string;
  vpcId: string;
  availabilityZones: string[];
  subnetIds: string[];
  securityGroupId: string;
  loadBalancerArn: string;
  loadBalancerDnsName: string;
  ipAddressType: 'ipv4' | 'dualstack';
  targetGroupArn: string;
  /** Target group of the host-header rule (present with the "host" extra rule). */
  apiTargetGroupArn?: string;
  listenerArn: string;
  listenerPort: number;
  httpsListenerArn?: string;
  ruleArns: Partial<Record<ExtraRule, string>>;
  distributionId: string;
  distributionArn: string;
  distributionDomainName: string;
  /** Id of the origin whose domain is the ALB's DNS name ("alb"). */
  albOriginId: string;
  /** Ids of all origins pointing at the ALB (the lock's default OriginIds). */
  albOriginIds: string[];
  originIds: string[];
  secretArn: string;
  secretName: string;
  /** The header value (what the secret holds, or holds under `secretKey`). */
  secretValue: string;
  secretKey?: string;
  prefixListIds: { ipv4: string; ipv6?: string };
}

export interface FixtureClients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
  cloudfront: CloudFrontClient;
  secrets: SecretsManagerClient;
}

/** SDK v3 client configuration for moto: fixed region and credentials, optional explicit endpoint. */
export function clientConfig(settings: ClientSettings = {}): {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  endpoint?: string;
} {
  return {
    region: settings.region ?? TEST_REGION,
    credentials: settings.credentials ?? TEST_CREDENTIALS,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  };
}

export function fixtureClients(settings: ClientSettings = {}): FixtureClients {
  const config = clientConfig(settings);
  return {
    ec2: new EC2Client(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    cloudfront: new CloudFrontClient(config),
    secrets: new SecretsManagerClient(config),
  };
}

/** A header value with the entropy the NOTES ask for: 48 characters of [a-z0-9], no wildcards. */
export function randomHeaderValue(length = 48): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let value = '';
  for (let i = 0; i < length; i++) value += alphabet[randomInt(alphabet.length)];
  return value;
}

function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`fixture: moto returned no ${what}`);
  return value;
}

function pick<T extends string>(option: boolean | T[] | undefined, all: T[]): T[] {
  if (option === true) return all;
  return option ? option : [];
}

/** `2600:1f18:ab:cd00::/56` + 1 -> `2600:1f18:ab:cd01::/64` (a /64 inside the VPC's /56). */
function ipv6Subnet(vpcBlock: string, index: number): string {
  const groups = vpcBlock.split('::')[0].split(':');
  const last = parseInt(groups[groups.length - 1] || '0', 16) + index;
  groups[groups.length - 1] = last.toString(16);
  return `${groups.join(':')}::/64`;
}

/**
 * Finds a prefix list by name (the way the engine must: ids differ per region and per moto run).
 * Returns undefined when it does not exist.
 */
export async function findPrefixListId(ec2: EC2Client, name: string): Promise<string | undefined> {
  const out = await ec2.send(
    new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [name] }] }),
  );
  return out.PrefixLists?.[0]?.PrefixListId;
}

/**
 * Creates a stand-in for the IPv6 CloudFront origin-facing managed prefix list, which moto lacks.
 * It is found by name exactly like the real one. Differences that remain (moto cannot create an
 * AWS-owned list through the API): OwnerId is the account (123456789012), not "AWS"; the ARN has the
 * account; Version is 1 (the managed IPv4 list has none). MaxEntries is omitted, as on managed lists.
 * Idempotent: returns the existing list's id when there is one.
 */
export async function createIpv6CloudFrontPrefixList(ec2: EC2Client): Promise<string> {
  const existing = await findPrefixListId(ec2, CLOUDFRONT_IPV6_PREFIX_LIST);
  if (existing) return existing;
  const out = await ec2.send(
    new CreateManagedPrefixListCommand({
      PrefixListName: CLOUDFRONT_IPV6_PREFIX_LIST,
      AddressFamily: 'IPv6',
      // Real AWS requires MaxEntries; moto does not, and omitting it mimics a managed list.
      MaxEntries: undefined,
      Entries: [
        { Cidr: '2600:9000:2000::/36', Description: 'default' },
        { Cidr: '2600:9000:3000::/36', Description: 'default' },
      ],
    }),
  );
  return must(out.PrefixList?.PrefixListId, 'PrefixListId');
}

async function buildNetwork(
  ec2: EC2Client,
  name: string,
  dualstack: boolean,
): Promise<{ vpcId: string; subnetIds: string[]; azs: string[] }> {
  const vpc = await ec2.send(
    new CreateVpcCommand({ CidrBlock: '10.100.0.0/16', AmazonProvidedIpv6CidrBlock: dualstack || undefined }),
  );
  const vpcId = must(vpc.Vpc?.VpcId, 'VpcId');
  const vpcIpv6 = vpc.Vpc?.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock;
  const zones = await ec2.send(new DescribeAvailabilityZonesCommand({}));
  const azs = (zones.AvailabilityZones ?? []).slice(0, 2).map((z) => must(z.ZoneName, 'ZoneName'));
  if (azs.length < 2) throw new Error('fixture: moto reports fewer than 2 availability zones');

  // Public subnets: a route to an internet gateway, as an internet-facing ALB needs in real AWS.
  const igw = await ec2.send(new CreateInternetGatewayCommand({}));
  const igwId = must(igw.InternetGateway?.InternetGatewayId, 'InternetGatewayId');
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
  const table = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
  const routeTableId = must(table.RouteTable?.RouteTableId, 'RouteTableId');
  await ec2.send(
    new CreateRouteCommand({
      RouteTableId: routeTableId,
      DestinationCidrBlock: '0.0.0.0/0',
      GatewayId: igwId,
    }),
  );

  const subnetIds: string[] = [];
  for (const [i, az] of azs.entries()) {
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.100.${i}.0/24`,
        AvailabilityZone: az,
        TagSpecifications: [
          { ResourceType: 'subnet', Tags: [{ Key: 'Name', Value: `${name}-public-${az}` }] },
        ],
      }),
    );
    const subnetId = must(subnet.Subnet?.SubnetId, 'SubnetId');
    if (dualstack && vpcIpv6) {
      await ec2.send(
        new AssociateSubnetCidrBlockCommand({ SubnetId: subnetId, Ipv6CidrBlock: ipv6Subnet(vpcIpv6, i) }),
      );
    }
    await ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId }));
    subnetIds.push(subnetId);
  }
  return { vpcId, subnetIds, azs };
}

async function buildSecurityGroup(
  ec2: EC2Client,
  name: string,
  vpcId: string,
  ports: number[],
  options: FixtureOptions,
): Promise<string> {
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${name}-alb`,
      Description: `${name} ALB (insecure)`,
      VpcId: vpcId,
    }),
  );
  const groupId = must(sg.GroupId, 'GroupId');
  const permissions: IpPermission[] = ports.map((port) => ({
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'Entire internet' }],
    ...(options.ipv6Ingress
      ? { Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'Entire internet (IPv6)' }] }
      : {}),
  }));
  if (options.extraIngress) {
    permissions.push(
      {
        IpProtocol: 'tcp',
        FromPort: 22,
        ToPort: 22,
        IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'ssh' }],
      },
      {
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        IpRanges: [{ CidrIp: '10.100.0.0/16', Description: 'vpc' }],
      },
    );
  }
  // One call per permission: moto's Authorize response only lists the last permission's rules.
  for (const permission of permissions) {
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [permission] }),
    );
  }
  return groupId;
}

function forward(targetGroupArn: string): Action[] {
  return [{ Type: 'forward', TargetGroupArn: targetGroupArn }];
}

async function buildExtraRules(
  elbv2: ElasticLoadBalancingV2Client,
  listenerArn: string,
  rules: ExtraRule[],
  targetGroupArn: string,
  apiTargetGroupArn: string | undefined,
): Promise<Partial<Record<ExtraRule, string>>> {
  const specs: Record<ExtraRule, { priority: number; conditions: RuleCondition[]; actions: Action[] }> = {
    host: {
      priority: 10,
      conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['api.example.com'] } }],
      actions: forward(apiTargetGroupArn ?? targetGroupArn),
    },
    path: {
      priority: 20,
      conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/static/*'] } }],
      actions: forward(targetGroupArn),
    },
    redirect: {
      priority: 30,
      conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/old/*'] } }],
      actions: [
        {
          Type: 'redirect',
          RedirectConfig: { Protocol: 'HTTPS', Port: '443', Path: '/new/#{path}', StatusCode: 'HTTP_301' },
        },
      ],
    },
    'fixed-response': {
      priority: 40,
      conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/healthz'] } }],
      actions: [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '200', ContentType: 'text/plain', MessageBody: 'ok' },
        },
      ],
    },
  };
  const arns: Partial<Record<ExtraRule, string>> = {};
  for (const rule of rules) {
    const spec = specs[rule];
    const out = await elbv2.send(
      new CreateRuleCommand({
        ListenerArn: listenerArn,
        Priority: spec.priority,
        Conditions: spec.conditions,
        Actions: spec.actions,
      }),
    );
    arns[rule] = must(out.Rules?.[0]?.RuleArn, 'RuleArn');
  }
  return arns;
}

function customOrigin(
  id: string,
  domainName: string,
  options: FixtureOptions,
  headers: Record<string, string> = {},
): Origin {
  const items = Object.entries(headers).map(([HeaderName, HeaderValue]) => ({ HeaderName, HeaderValue }));
  return {
    Id: id,
    DomainName: domainName,
    CustomHeaders: { Quantity: items.length, Items: items },
    CustomOriginConfig: {
      HTTPPort: 80,
      HTTPSPort: 443,
      OriginProtocolPolicy: options.originProtocolPolicy ?? 'http-only',
    },
  };
}

function behavior(pathPattern: string, originId: string): CacheBehavior {
  return {
    PathPattern: pathPattern,
    TargetOriginId: originId,
    ViewerProtocolPolicy: 'redirect-to-https',
    CachePolicyId: CACHING_DISABLED,
  };
}

export async function buildDistribution(
  cloudfront: CloudFrontClient,
  name: string,
  albDns: string,
  options: FixtureOptions,
): Promise<{ id: string; arn: string; domainName: string; originIds: string[]; albOriginIds: string[] }> {
  const origins: Origin[] = [customOrigin('alb', albDns, options, options.originCustomHeaders)];
  const behaviors: CacheBehavior[] = [];
  const extras = pick(options.extraOrigins, ['s3', 'second-alb-origin', 'other-custom'] as ExtraOrigin[]);
  if (extras.includes('s3')) {
    origins.push({
      Id: 'static-assets',
      DomainName: `${name}-assets.s3.${TEST_REGION}.amazonaws.com`,
      S3OriginConfig: { OriginAccessIdentity: '' },
    });
    behaviors.push(behavior('/assets/*', 'static-assets'));
  }
  if (extras.includes('second-alb-origin')) {
    origins.push(customOrigin('alb-api', albDns, options));
    behaviors.push(behavior('/api/*', 'alb-api'));
  }
  if (extras.includes('other-custom')) {
    origins.push(customOrigin('legacy', 'legacy.example.com', options));
    behaviors.push(behavior('/legacy/*', 'legacy'));
  }
  const out = await cloudfront.send(
    new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: `${name}-${Date.now()}-${randomInt(1e9)}`,
        Comment: `${name} distribution in front of the ALB`,
        Enabled: true,
        Origins: { Quantity: origins.length, Items: origins },
        DefaultCacheBehavior: {
          TargetOriginId: 'alb',
          ViewerProtocolPolicy: 'redirect-to-https',
          CachePolicyId: CACHING_DISABLED,
        },
        CacheBehaviors: { Quantity: behaviors.length, Items: behaviors },
      },
    }),
  );
  const distribution = must(out.Distribution, 'Distribution');
  return {
    id: must(distribution.Id, 'Distribution.Id'),
    arn: must(distribution.ARN, 'Distribution.ARN'),
    domainName: must(distribution.DomainName, 'Distribution.DomainName'),
    originIds: origins.map((o) => must(o.Id, 'Origin.Id')),
    albOriginIds: origins.filter((o) => o.DomainName === albDns).map((o) => must(o.Id, 'Origin.Id')),
  };
}

/** Creates the whole seed-004 fixture. Several fixtures can share one moto if their names differ. */
export async function buildFixture(
  options: FixtureOptions = {},
  settings: ClientSettings = {},
): Promise<Fixture> {
  const { ec2, elbv2, cloudfront, secrets } = fixtureClients(settings);
  const name = options.name ?? 'seed-004';
  const region = settings.region ?? TEST_REGION;
  const listenerPort = options.listenerPort ?? 80;
  const dualstack = options.dualstack ?? false;
  const ports = options.httpsListener && listenerPort !== 443 ? [listenerPort, 443] : [listenerPort];

  const { vpcId, subnetIds, azs } = await buildNetwork(ec2, name, dualstack);
  const securityGroupId = await buildSecurityGroup(ec2, name, vpcId, ports, options);

  const lbOut = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: `${name}-alb`,
      Subnets: subnetIds,
      SecurityGroups: [securityGroupId],
      Scheme: 'internet-facing',
      Type: 'application',
      IpAddressType: dualstack ? 'dualstack' : 'ipv4',
    }),
  );
  const lb = must(lbOut.LoadBalancers?.[0], 'LoadBalancer');
  const loadBalancerArn = must(lb.LoadBalancerArn, 'LoadBalancerArn');
  const loadBalancerDnsName = must(lb.DNSName, 'DNSName');
  const accountId = loadBalancerArn.split(':')[4];

  const targetGroup = async (suffix: string): Promise<string> => {
    const out = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: `${name}-${suffix}`,
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpcId,
        TargetType: 'ip',
      }),
    );
    return must(out.TargetGroups?.[0]?.TargetGroupArn, 'TargetGroupArn');
  };
  const targetGroupArn = await targetGroup('tg');
  const rules = pick(options.extraRules, ['host', 'path', 'redirect', 'fixed-response'] as ExtraRule[]);
  const apiTargetGroupArn = rules.includes('host') ? await targetGroup('api-tg') : undefined;

  const listener = await elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: 'HTTP',
      Port: listenerPort,
      DefaultActions: forward(targetGroupArn),
    }),
  );
  const listenerArn = must(listener.Listeners?.[0]?.ListenerArn, 'ListenerArn');
  let httpsListenerArn: string | undefined;
  if (options.httpsListener) {
    const https = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTPS',
        Port: 443,
        Certificates: [{ CertificateArn: `arn:aws:iam::${accountId}:server-certificate/${name}` }],
        DefaultActions: forward(targetGroupArn),
      }),
    );
    httpsListenerArn = must(https.Listeners?.[0]?.ListenerArn, 'ListenerArn (HTTPS)');
  }
  const ruleArns = await buildExtraRules(elbv2, listenerArn, rules, targetGroupArn, apiTargetGroupArn);

  const distribution = await buildDistribution(cloudfront, name, loadBalancerDnsName, options);

  const secretValue = randomHeaderValue();
  const secretKey = options.secretFormat === 'json' ? (options.secretKey ?? 'header') : undefined;
  const secretName = `${name}/origin-verify`;
  const secret = await secrets.send(
    new CreateSecretCommand({
      Name: secretName,
      Description: 'Value of the header CloudFront adds to origin requests',
      SecretString: secretKey ? JSON.stringify({ [secretKey]: secretValue }) : secretValue,
    }),
  );

  const ipv4 = must(await findPrefixListId(ec2, CLOUDFRONT_IPV4_PREFIX_LIST), CLOUDFRONT_IPV4_PREFIX_LIST);
  const ipv6 = (options.ipv6PrefixList ?? dualstack) ? await createIpv6CloudFrontPrefixList(ec2) : undefined;

  return {
    region,
    accountId,
    name,
    vpcId,
    availabilityZones: azs,
    subnetIds,
    securityGroupId,
    loadBalancerArn,
    loadBalancerDnsName,
    ipAddressType: dualstack ? 'dualstack' : 'ipv4',
    targetGroupArn,
    apiTargetGroupArn,
    listenerArn,
    listenerPort,
    httpsListenerArn,
    ruleArns,
    distributionId: distribution.id,
    distributionArn: distribution.arn,
    distributionDomainName: distribution.domainName,
    albOriginId: 'alb',
    albOriginIds: distribution.albOriginIds,
    originIds: distribution.originIds,
    secretArn: must(secret.ARN, 'Secret ARN'),
    secretName,
    secretValue,
    secretKey,
    prefixListIds: { ipv4, ...(ipv6 ? { ipv6 } : {}) },
  };
}
