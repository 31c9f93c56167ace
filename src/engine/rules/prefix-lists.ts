/** CloudFront's origin-facing managed prefix lists: the only sources the lock admits to the listener port. */
export const CLOUDFRONT_V4_LIST = 'com.amazonaws.global.cloudfront.origin-facing';
export const CLOUDFRONT_V6_LIST = 'com.amazonaws.global.ipv6.cloudfront.origin-facing';
// moto reports no MaxEntries for managed lists; AWS documents 55 for the IPv4 CloudFront list.
export const CLOUDFRONT_LIST_WEIGHT = 55;
export const CLOUDFRONT_LIST_NAMES: readonly string[] = [CLOUDFRONT_V4_LIST, CLOUDFRONT_V6_LIST];
