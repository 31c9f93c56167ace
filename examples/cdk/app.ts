/**
 * An AWS CDK app: an internet-facing Application Load Balancer, its HTTP listener, a CloudFront
 * distribution in front of it, and the OriginLock that locks the listener to that distribution.
 * test/cdk-example.test.ts synthesizes it offline and checks the template with cfn-lint (this type's
 * schema) and the Guard rules.
 *
 *   npx cdk deploy --app 'npx ts-node examples/cdk/app.ts'   (the type must be registered first)
 */
import { App, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { OriginLock } from '../../packages/cdk/src';

export class LockedWebStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
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
    new OriginLock(this, 'OriginLock', { listener, distribution });
  }
}

export function buildApp(outdir?: string): App {
  const app = new App(outdir ? { outdir } : {});
  new LockedWebStack(app, 'LockedWeb');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
