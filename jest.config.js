// Test-only noise: the AWS SDKs warn on every worker that v2 is end-of-support and that node 20 support
// ends in 2027. Workers inherit this environment.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Transpile-only (tsconfig.jest.json sets isolatedModules): type errors are the typecheck stage's job,
  // and a full type program (the SDK v3 .d.ts files) costs ~10 s per test file.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // FC_SEED/FC_PATH replay a fast-check failure (fc.assert prints both when a property fails).
  setupFiles: ['<rootDir>/test/support/fast-check-replay.ts'],
  testTimeout: 120000,
  // moto is one process per test file; two cores, so keep parallelism small.
  maxWorkers: 2,
};
