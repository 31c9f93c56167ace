export * from './origin-lock';
