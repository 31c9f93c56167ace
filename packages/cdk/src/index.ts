export * from './origin-lock';
export { CUSTOM_ORIGIN_LOCK_TYPE, CUSTOM_RESOURCE_BUNDLE_CONTEXT } from './custom-resource-provider';
