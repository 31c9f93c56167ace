/**
 * Who else owns what the lock would change. Another system that reconciles a load balancer, listener
 * or security group puts its own rules and groups back, undoing the lock (and reopening the load
 * balancer); a CloudFormation stack that owns the distribution removes a header the lock stamped at its
 * next update, and the listener then denies CloudFront. Pure: tags in, findings and refusals out.
 */

export type Reconciler = 'aws-load-balancer-controller' | 'elastic-beanstalk';

export interface ReconcilerTag {
  system: Reconciler;
  /** The tag key that names the system (values are not secrets, but only the key is needed). */
  key: string;
}

export type OwnedKind = 'load balancer' | 'listener' | 'security group';

export interface ReconciledResource {
  kind: OwnedKind;
  /** ARN (load balancer, listener) or group id. */
  id: string;
  tag: ReconcilerTag;
}

/** Tags the AWS Load Balancer Controller for Kubernetes puts on what it creates. */
const CONTROLLER_KEYS = ['elbv2.k8s.aws/cluster'];
const CONTROLLER_PREFIXES = ['ingress.k8s.aws/', 'service.k8s.aws/'];
/** Elastic Beanstalk tags its environment's resources elasticbeanstalk:environment-name / -id. */
const BEANSTALK_PREFIX = 'elasticbeanstalk:';

/** CloudFormation tags every resource of a stack that supports tags with the stack's name. */
export const STACK_NAME_TAG = 'aws:cloudformation:stack-name';

/** The reconciling system a resource's tags name, if any. */
export function reconcilerOf(tags: Readonly<Record<string, string>>): ReconcilerTag | undefined {
  const keys = Object.keys(tags).sort();
  const controller = keys.find(
    (k) => CONTROLLER_KEYS.includes(k) || CONTROLLER_PREFIXES.some((p) => k.startsWith(p)),
  );
  if (controller) return { system: 'aws-load-balancer-controller', key: controller };
  const beanstalk = keys.find((k) => k.startsWith(BEANSTALK_PREFIX));
  if (beanstalk) return { system: 'elastic-beanstalk', key: beanstalk };
  return undefined;
}

export interface TaggedResource {
  kind: OwnedKind;
  id: string;
  tags?: Readonly<Record<string, string>>;
}

/** The resources among `resources` that another system reconciles. */
export const reconciled = (resources: readonly TaggedResource[]): ReconciledResource[] =>
  resources.flatMap((r) => {
    const tag = reconcilerOf(r.tags ?? {});
    return tag ? [{ kind: r.kind, id: r.id, tag }] : [];
  });

const SYSTEM_NAME: Record<Reconciler, string> = {
  'aws-load-balancer-controller': 'the AWS Load Balancer Controller for Kubernetes',
  'elastic-beanstalk': 'Elastic Beanstalk',
};

/** Why the lock cannot hold there, and how that system itself requires the header. */
const WHAT_INSTEAD: Record<Reconciler, string> = {
  'aws-load-balancer-controller':
    'the controller reconciles the load balancer to what the Ingress or Service declares and puts back its own listener rules and security groups, undoing the lock\'s. Require the header through the controller instead: an alb.ingress.kubernetes.io/conditions.<service> annotation on the Ingress with an http-header condition ([{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"<HeaderName>","values":["<secret value>"]}}]), the value rendered from a Kubernetes secret when the Ingress is deployed (annotations are plain text, the controller reads no secret for them)',
  'elastic-beanstalk':
    "Elastic Beanstalk puts back its own listener rules and security groups whenever it updates the environment, undoing the lock's. Require the header in the environment's own configuration instead: aws:elbv2:listenerrule:<name> option settings only match HostHeaders and PathPatterns, so add an AWS::ElasticLoadBalancingV2::ListenerRule with an http-header condition on AWSEBV2LoadBalancerListener under Resources in .ebextensions",
};

export const describeReconciled = (r: ReconciledResource): string =>
  `${r.kind} ${r.id} carries the tag '${r.tag.key}' of ${SYSTEM_NAME[r.tag.system]}`;

/** The refusal for resources another system reconciles (one sentence per system involved). */
export function reconciledMessage(owned: readonly ReconciledResource[]): string {
  const systems = [...new Set(owned.map((r) => r.tag.system))];
  return `${owned.map(describeReconciled).join('; ')}: ${systems.map((s) => WHAT_INSTEAD[s]).join('. Also, ')}. Nothing was changed`;
}

/** The stack that owns a resource, from its tags. */
export const stackOf = (tags: Readonly<Record<string, string>>): string | undefined => tags[STACK_NAME_TAG];

/** The refusal for a distribution a stack owns, when the lock would stamp its origin. */
export const stackOwnedMessage = (distributionId: string, stack: string): string =>
  `distribution ${distributionId} belongs to CloudFormation stack '${stack}' (tag ${STACK_NAME_TAG}): the stack's next update would remove the header the lock adds to its origin, and the listener would then deny every request from CloudFront. Put the header in that stack's template instead, on the origin's OriginCustomHeaders as a {{resolve:secretsmanager:<SecretArn>}} dynamic reference (with :SecretString:<SecretKey> for a JSON secret), and set Enforce.OriginHeader: false on the lock, which then only verifies that the origin sends the secret; see examples/stack-owned-distribution.yaml. Nothing was changed`;

/** A distribution's ARN, in the partition and account of the lock's listener (CloudFront ARNs have no region). */
export function distributionArn(listenerArn: string, distributionId: string): string {
  const [, partition = 'aws', , , account = ''] = listenerArn.split(':');
  return `arn:${partition}:cloudfront::${account}:distribution/${distributionId}`;
}
