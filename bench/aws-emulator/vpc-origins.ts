/**
 * CloudFront VPC origins, which moto does not model: it accepts an origin's `VpcOriginConfig` and drops
 * it, so every read shows a plain origin. A test declares which origin of which distribution is a VPC
 * origin, and the emulator writes the member back into the XML of each answer that carries that
 * origin, where AWS puts it: in place of any S3/custom origin configuration (a VPC origin has neither),
 * before `ConnectionAttempts` (the member order of the Origin shape, botocore's
 * cloudfront/2020-05-31 model). The origin's DomainName stays what the test gave it: for a VPC origin
 * on an Application Load Balancer, AWS reports the load balancer's DNS name there.
 */

export interface VpcOriginDeclaration {
  distributionId: string;
  originId: string;
  /** The VPC origin's id (`vo_…`). */
  vpcOriginId: string;
  /** The account owning the VPC origin; omitted when it is the distribution's own, as AWS does. */
  ownerAccountId?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The member as AWS serialises it, with CloudFront's default timeouts. */
export function vpcOriginConfigXml(d: VpcOriginDeclaration): string {
  const owner = d.ownerAccountId ? `<OwnerAccountId>${esc(d.ownerAccountId)}</OwnerAccountId>` : '';
  return `<VpcOriginConfig><VpcOriginId>${esc(d.vpcOriginId)}</VpcOriginId>${owner}<OriginReadTimeout>30</OriginReadTimeout><OriginKeepaliveTimeout>5</OriginKeepaliveTimeout></VpcOriginConfig>`;
}

/** One `<Origin>` element made a VPC origin. */
function asVpcOrigin(origin: string, d: VpcOriginDeclaration): string {
  const plain = origin
    .replace(/<S3OriginConfig>[\s\S]*?<\/S3OriginConfig>/, '')
    .replace(/<CustomOriginConfig>[\s\S]*?<\/CustomOriginConfig>/, '')
    .replace(/<VpcOriginConfig>[\s\S]*?<\/VpcOriginConfig>/, '');
  const member = vpcOriginConfigXml(d);
  return plain.includes('<ConnectionAttempts>')
    ? plain.replace('<ConnectionAttempts>', `${member}<ConnectionAttempts>`)
    : plain.replace(/<\/Origin>$/, `${member}</Origin>`);
}

/** The origins of one distribution's XML (a DistributionSummary, Distribution or DistributionConfig). */
function rewriteOrigins(xml: string, declared: VpcOriginDeclaration[]): string {
  if (declared.length === 0) return xml;
  return xml.replace(/<Origin>[\s\S]*?<\/Origin>/g, (origin) => {
    const id = /<Id>([^<]*)<\/Id>/.exec(origin)?.[1];
    const d = declared.find((x) => x.originId === id);
    return d ? asVpcOrigin(origin, d) : origin;
  });
}

/**
 * The answer of a CloudFront operation with the declared VPC origins in it. ListDistributions carries
 * one DistributionSummary per distribution (its first Id is the distribution's); Get/Create/Update
 * Distribution one Distribution; GetDistributionConfig a bare DistributionConfig, whose distribution
 * only the request path names.
 */
export function withVpcOrigins(
  operation: string,
  path: string,
  xml: string,
  declarations: readonly VpcOriginDeclaration[],
): string {
  if (declarations.length === 0) return xml;
  const of = (distributionId: string | undefined): VpcOriginDeclaration[] =>
    declarations.filter((d) => d.distributionId === distributionId);
  const firstId = (part: string): string | undefined => /<Id>([^<]*)<\/Id>/.exec(part)?.[1];
  if (operation === 'ListDistributions')
    return xml.replace(/<DistributionSummary>[\s\S]*?<\/DistributionSummary>/g, (summary) =>
      rewriteOrigins(summary, of(firstId(summary))),
    );
  if (operation === 'GetDistributionConfig')
    return rewriteOrigins(xml, of(/\/distribution\/([^/?]+)\/config/.exec(path)?.[1]));
  if (/^(Get|Create|Update)Distribution$/.test(operation)) return rewriteOrigins(xml, of(firstId(xml)));
  return xml;
}
