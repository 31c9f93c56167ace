import { Aspects, CfnResource, CustomResource, Duration, Fn, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { CUSTOM_ORIGIN_LOCK_TYPE, CustomOriginLockProvider } from './custom-resource-provider';

/** The registry type that `provider: 'registry'` declares (schema/acme-origin-lock.json). */
export const ORIGIN_LOCK_TYPE = 'Acme::Origin::Lock';
export const DEFAULT_HEADER_NAME = 'X-Origin-Verify';

/** An HTTP token CloudFront may add as an origin header (examples/stack-owned-distribution.yaml). */
const HEADER_NAME_PATTERN = /^[A-Za-z0-9!#$%&'+.^_`|~-]{1,40}$/;

/** The fixed response the listener returns to requests without the secret header (schema DenyResponse). */
export interface DenyResponse {
  /** 2XX, 4XX or 5XX. Default: 403. */
  readonly statusCode?: string;
  /** Default: text/plain. */
  readonly contentType?:
    | 'text/plain'
    | 'text/css'
    | 'text/html'
    | 'application/javascript'
    | 'application/json';
  /** At most 1024 characters. Default: Forbidden. */
  readonly messageBody?: string;
}

/** Which controls the lock manages (schema Enforce); each default is the type's. */
export interface EnforceOptions {
  readonly securityGroup?: boolean;
  readonly listenerRules?: boolean;
  readonly denyDefault?: boolean;
  /** Forced to false when `distribution` is a distribution of this app (see OriginLock). */
  readonly originHeader?: boolean;
  readonly httpsOrigin?: boolean;
  readonly dedicatedSecurityGroup?: boolean;
  readonly sharedSecurityGroups?: boolean;
}

export interface RotationOptions {
  /** Time between rotations. */
  readonly schedule: Duration;
  /** The rotation function (src/rotation/, deployed with templates/rotation.yaml). */
  readonly rotationLambda: lambda.IFunction;
}

/**
 * `registry`: Acme::Origin::Lock, registered or activated in the account and region (docs/publishing.md).
 * `custom-resource`: Custom::OriginLock, backed by the same engine bundled as a Lambda asset (one function
 * per stack), so nothing needs registering.
 */
export type OriginLockProvider = 'registry' | 'custom-resource';

export interface OriginLockProps {
  /** The listener to lock. Exactly one of `listener` and `listenerArn`. */
  readonly listener?: elbv2.IApplicationListener;
  readonly listenerArn?: string;
  /**
   * The distribution in front of the load balancer. Exactly one of `distribution` and `distributionId`.
   * Pass the construct (not its id) when the distribution is defined in this app: the header is then
   * written into it, so no deployment can drop it.
   */
  readonly distribution?: cloudfront.IDistribution;
  readonly distributionId?: string;
  /** The header secret (its value: 32-128 printable ASCII without whitespace, '*' or '?'). Default: a new secret of 64 [a-z0-9] characters. */
  readonly secret?: secretsmanager.ISecret;
  /**
   * For a distribution of this app: the secret version its origin sends. Default: AWSCURRENT at
   * deployment. After a rotation, deploy with the new AWSCURRENT version id: an unchanged template
   * would not re-resolve the reference (see examples/stack-owned-distribution.yaml).
   */
  readonly secretVersionId?: string;
  /** Default: X-Origin-Verify. */
  readonly headerName?: string;
  /** The origin that carries the header. Default: every origin whose domain is the load balancer's DNS name. */
  readonly originId?: string;
  readonly denyResponse?: DenyResponse;
  readonly enforce?: EnforceOptions;
  /** CIDRs and prefix-list ids besides CloudFront that may still reach the listener ports. */
  readonly allowedSources?: string[];
  /**
   * A role in the account that owns the distribution (CloudFront in a central edge account), assumed for
   * every CloudFront call (docs/cross-account.md). Only with `distributionId` or an imported
   * distribution: a distribution of this app is in this account. Cannot change on an existing lock.
   * With provider custom-resource, the function may assume this role (and no CloudFront call is granted
   * in this account for the lock). Default: CloudFront is called in this account.
   */
  readonly distributionRoleArn?: string;
  /** External ID sent when assuming `distributionRoleArn`, when its trust policy requires one. */
  readonly distributionRoleExternalId?: string;
  /** Adds an AWS::SecretsManager::RotationSchedule on the secret. */
  readonly rotation?: RotationOptions;
  /**
   * Default: registry (the Acme::Origin::Lock type must be registered or activated in the account and
   * region). custom-resource needs the bundle from `make bundle` at synthesis; its function may read
   * `secret` (and decrypt it with the secret's encryptionKey, when the ISecret names one).
   */
  readonly provider?: OriginLockProvider;
}

/**
 * Locks an Application Load Balancer listener so that only one CloudFront distribution reaches it.
 *
 * When `distribution` is a distribution defined in this app, its origins for the load balancer get the
 * header as a Secrets Manager dynamic reference and the lock only verifies it (Enforce.OriginHeader
 * false): a header the lock stamped would be missing from the app's template and dropped by the next
 * deployment, after which the listener would deny every CloudFront request.
 */
export class OriginLock extends Construct {
  /** The secret whose value is the header value. */
  public readonly secret: secretsmanager.ISecret;
  /** The lock resource; its Ref is the listener ARN. */
  public readonly resource: CfnResource;
  public readonly rotationSchedule?: secretsmanager.RotationSchedule;
  public readonly headerName: string;
  /** With provider custom-resource: the stack's Custom::OriginLock function (shared by its locks). */
  public readonly providerFunction?: lambda.IFunction;

  constructor(scope: Construct, id: string, props: OriginLockProps) {
    super(scope, id);
    const provider = props.provider ?? 'registry';
    if (provider !== 'registry' && provider !== 'custom-resource') {
      throw new Error(
        `OriginLock ${this.node.path}: provider must be 'registry' or 'custom-resource', not '${String(provider)}'.`,
      );
    }
    exactlyOne(this, 'listener', props.listener, 'listenerArn', props.listenerArn);
    exactlyOne(this, 'distribution', props.distribution, 'distributionId', props.distributionId);
    const listenerArn = props.listener?.listenerArn ?? (props.listenerArn as string);
    const distributionId = props.distribution?.distributionId ?? (props.distributionId as string);
    this.headerName = props.headerName ?? DEFAULT_HEADER_NAME;
    if (!Token.isUnresolved(this.headerName) && !HEADER_NAME_PATTERN.test(this.headerName)) {
      throw new Error(
        `OriginLock ${this.node.path}: headerName must be an HTTP token of 1 to 40 characters.`,
      );
    }

    this.secret = props.secret ?? newHeaderSecret(this);

    const ownedDistribution = ownedCfnDistribution(props.distribution);
    if (props.distributionRoleExternalId !== undefined && props.distributionRoleArn === undefined) {
      throw new Error(
        `OriginLock ${this.node.path}: distributionRoleExternalId needs distributionRoleArn (it is sent when assuming that role).`,
      );
    }
    if (ownedDistribution && props.distributionRoleArn !== undefined) {
      throw new Error(
        `OriginLock ${this.node.path}: distributionRoleArn is for a distribution in another account, and ${props.distribution?.node.path ?? ownedDistribution.node.path} is a distribution of this app, deployed in this account. Pass distributionId (or an imported distribution) with the role, or drop the role.`,
      );
    }
    if (ownedDistribution && props.enforce?.originHeader === true) {
      throw new Error(
        `OriginLock ${this.node.path}: enforce.originHeader cannot be true for a distribution of this app: the next deployment would drop the stamped header. The construct writes the header into the distribution instead.`,
      );
    }
    if (ownedDistribution) {
      Aspects.of(ownedDistribution).add(
        new AddOriginHeader(ownedDistribution, {
          headerName: this.headerName,
          // Fn::Sub, not secret.secretValue (an Fn::Join): Guard rule 1 (guard/origin-lock.guard) accepts
          // a dynamic reference as a literal or an Fn::Sub. Still the AWSCURRENT value, never in the template.
          headerValue: Fn.sub(
            `{{resolve:secretsmanager:\${SecretId}:SecretString:::${props.secretVersionId ?? ''}}}`,
            {
              SecretId: this.secret.secretArn,
            },
          ),
          originId: props.originId,
          loadBalancerDnsName: loadBalancerDnsName(props.listener),
          lockPath: this.node.path,
        }),
      );
    }
    const enforce = { ...props.enforce, ...(ownedDistribution ? { originHeader: false } : {}) };

    const properties = compact({
      ListenerArn: listenerArn,
      DistributionId: distributionId,
      SecretArn: this.secret.secretArn,
      HeaderName: props.headerName,
      OriginId: props.originId,
      DenyResponse: props.denyResponse && {
        StatusCode: props.denyResponse.statusCode,
        ContentType: props.denyResponse.contentType,
        MessageBody: props.denyResponse.messageBody,
      },
      Enforce: {
        SecurityGroup: enforce.securityGroup,
        ListenerRules: enforce.listenerRules,
        DenyDefault: enforce.denyDefault,
        OriginHeader: enforce.originHeader,
        HttpsOrigin: enforce.httpsOrigin,
        DedicatedSecurityGroup: enforce.dedicatedSecurityGroup,
        SharedSecurityGroups: enforce.sharedSecurityGroups,
      },
      AllowedSources: props.allowedSources,
      DistributionRoleArn: props.distributionRoleArn,
      DistributionRoleExternalId: props.distributionRoleExternalId,
    });

    if (provider === 'custom-resource') {
      const lockProvider = CustomOriginLockProvider.of(this);
      lockProvider.grantLock({
        listenerArn,
        distributionId,
        secret: this.secret,
        distributionRoleArn: props.distributionRoleArn,
      });
      const lock = new CustomResource(this, 'Resource', {
        resourceType: CUSTOM_ORIGIN_LOCK_TYPE,
        serviceToken: lockProvider.function.functionArn,
        properties,
      });
      // The self-invoke policy and the async-invoke config exist before the first request (the role's
      // grants do already: the function waits for them).
      lock.node.addDependency(...lockProvider.readiness);
      this.resource = lock.node.defaultChild as CfnResource;
      this.providerFunction = lockProvider.function;
    } else {
      this.resource = new CfnResource(this, 'Resource', { type: ORIGIN_LOCK_TYPE, properties });
    }

    if (props.rotation) {
      this.rotationSchedule = this.secret.addRotationSchedule('Rotation', {
        rotationLambda: props.rotation.rotationLambda,
        automaticallyAfter: props.rotation.schedule,
        // Each rotation needs a deployment afterwards (the distribution re-resolves the reference):
        // rotating at creation would only start that wait.
        rotateImmediatelyOnUpdate: false,
      });
      // The rotation function finds the locks that use the secret: the lock exists first.
      this.rotationSchedule.node.addDependency(this.resource);
    }
  }

  /** The header-guarded catch-all rule that carries the listener's original default actions. */
  public get attrForwardRuleArn(): string {
    return this.resource.getAtt('ForwardRuleArn').toString();
  }
}

/** What the lock and the rotation function accept: 64 characters of [a-z0-9] (ALB header matching is case-insensitive and treats * and ? as wildcards). */
function newHeaderSecret(scope: Construct): secretsmanager.Secret {
  return new secretsmanager.Secret(scope, 'HeaderSecret', {
    description: 'Value of the secret origin header CloudFront sends to the load balancer.',
    generateSecretString: {
      passwordLength: 64,
      excludePunctuation: true,
      excludeUppercase: true,
      includeSpace: false,
      requireEachIncludedType: true,
    },
  });
}

function exactlyOne(lock: Construct, aName: string, a: unknown, bName: string, b: unknown): void {
  if ((a === undefined) === (b === undefined)) {
    throw new Error(`OriginLock ${lock.node.path}: pass exactly one of ${aName} and ${bName}.`);
  }
}

/** The L1 of a distribution defined in this app; undefined for an imported reference. */
function ownedCfnDistribution(
  distribution?: cloudfront.IDistribution,
): cloudfront.CfnDistribution | undefined {
  const child = distribution?.node.defaultChild;
  return child instanceof cloudfront.CfnDistribution ? child : undefined;
}

function loadBalancerDnsName(listener?: elbv2.IApplicationListener): string | undefined {
  return listener instanceof elbv2.ApplicationListener
    ? listener.loadBalancer.loadBalancerDnsName
    : undefined;
}

interface OriginHeader {
  readonly headerName: string;
  readonly headerValue: string;
  readonly originId?: string;
  readonly loadBalancerDnsName?: string;
  readonly lockPath: string;
}

/**
 * Adds the header to the distribution's origins for the load balancer. An aspect, so that it sees the
 * origins as synthesized, including those added after the lock was constructed.
 */
class AddOriginHeader implements IAspect {
  constructor(
    private readonly distribution: cloudfront.CfnDistribution,
    private readonly header: OriginHeader,
  ) {}

  public visit(node: IConstruct): void {
    if (node !== this.distribution) return;
    const stack = Stack.of(node);
    const config = stack.resolve(this.distribution.distributionConfig) as { origins?: ResolvedOrigin[] };
    const origins = config.origins ?? [];
    const matches = this.matcher(stack);
    let found = 0;
    origins.forEach((origin, index) => {
      if (!matches(origin)) return;
      found++;
      const headers = origin.originCustomHeaders ?? [];
      if (headers.some((h) => String(h.headerName).toLowerCase() === this.header.headerName.toLowerCase())) {
        throw new Error(
          `OriginLock ${this.header.lockPath}: origin ${String(origin.id)} already sends ${this.header.headerName}; remove it, the lock adds it from the secret.`,
        );
      }
      this.distribution.addPropertyOverride(`DistributionConfig.Origins.${index}.OriginCustomHeaders`, [
        ...headers.map((h) => ({ HeaderName: h.headerName, HeaderValue: h.headerValue })),
        { HeaderName: this.header.headerName, HeaderValue: this.header.headerValue },
      ]);
    });
    if (found === 0) {
      throw new Error(
        `OriginLock ${this.header.lockPath}: no origin of distribution ${this.distribution.node.path} reaches the locked load balancer; pass originId (or the listener construct, so its load balancer's DNS name identifies the origin).`,
      );
    }
  }

  private matcher(stack: Stack): (origin: ResolvedOrigin) => boolean {
    if (this.header.originId !== undefined) {
      const id = JSON.stringify(stack.resolve(this.header.originId));
      return (origin) => JSON.stringify(origin.id) === id;
    }
    if (this.header.loadBalancerDnsName !== undefined) {
      const dns = JSON.stringify(stack.resolve(this.header.loadBalancerDnsName));
      return (origin) => JSON.stringify(origin.domainName) === dns;
    }
    return () => false;
  }
}

/** An origin of CfnDistribution.distributionConfig after Stack.resolve (L1 property names, resolved values). */
interface ResolvedOrigin {
  readonly id?: unknown;
  readonly domainName?: unknown;
  readonly originCustomHeaders?: { headerName: unknown; headerValue: unknown }[];
}

/** Drops undefined values and objects left empty, so the template carries only what was set. */
function compact(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !Token.isUnresolved(v)) {
      const inner = compact(v as Record<string, unknown>);
      if (Object.keys(inner).length > 0) out[key] = inner;
      continue;
    }
    out[key] = v;
  }
  return out;
}
