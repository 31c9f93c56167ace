/**
 * An AWS CDK app: an internet-facing Application Load Balancer, its HTTP listener, a CloudFront
 * distribution in front of it, and the OriginLock that locks the listener to that distribution.
 * test/cdk-example.test.ts synthesizes it offline, with each provider, and checks the templates with
 * cfn-lint (this type's schema) and the Guard rules.
 *
 *   npx cdk deploy --app 'npx ts-node examples/cdk/app.ts'
 *       provider registry (Acme::Origin::Lock): the type must be registered or activated first
 *   npx cdk deploy --app 'npx ts-node examples/cdk/app.ts' -c provider=custom-resource
 *       Custom::OriginLock with the engine as a Lambda asset: run `make bundle` first, nothing to register
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { OriginLock, OriginLockProvider } from '../../packages/cdk/src';

export interface LockedWebStackProps extends StackProps {
  /** Default: registry. */
  readonly provider?: OriginLockProvider;
}

export class LockedWebStack extends Stack {
  constructor(scope: Construct, id: string, props?: LockedWebStackProps) {
    super(scope, id, props);
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc,
      internetFacing: true,
    });
    // open: false: no 0.0.0.0/0 ingress. The lock admits CloudFront's prefix lists itself, and a
    // world-open rule beside them would let anyone bypass CloudFront (Guard rule 2).
    const listener = loadBalancer.addListener('Http', {
      port: 80,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(200, {
        contentType: 'text/plain',
        messageBody: 'hello',
      }),
    });
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      defaultBehavior: {
        origin: new origins.LoadBalancerV2Origin(loadBalancer, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
    });
    // The distribution is part of this app: the construct writes the header into its origin as a
    // dynamic reference, and the lock only verifies it (Enforce.OriginHeader false).
    new OriginLock(this, 'OriginLock', { listener, distribution, provider: props?.provider });
  }
}

/** `context.provider` (`-c provider=...`) picks the lock's provider. */
export function buildApp(outdir?: string, context: Record<string, string> = {}): App {
  const app = new App({ ...(outdir ? { outdir } : {}), context });
  const provider = app.node.tryGetContext('provider') as OriginLockProvider | undefined;
  new LockedWebStack(app, 'LockedWeb', { provider });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
