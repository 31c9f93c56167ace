import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Import boundaries. A later config object replaces an earlier one's options for the same rule, so each
// folder's override lists every pattern that applies to it.

/** src/ is what ships: the bench, the demo and the tests stay outside it. */
const SHIPPED_TREE = {
  regex: '^(\\.\\./)+(bench|demo|test)(/|$)',
  message: 'src/ ships without bench/, demo/ and test/: nothing under src/ may import them.',
};

/** The cfn lib (and the aws-sdk v2 it drags in) belongs to the registry adapter alone. */
const CFN_LIB = {
  regex: '^@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib(/|$)',
  message:
    'only src/registry/ (the cfn lib adapter) may import the cfn lib: the engine, the custom resource and the rotation function stay free of it.',
};

/** The planner is pure: observed state in, steps out, no I/O. */
const PLANNER_IO = [
  {
    regex: '^(\\.\\./)+(observe|apply|converge|lifecycle|secret)$',
    message: 'src/engine/plan/ is pure: it may not import the engine modules that do I/O.',
  },
  {
    regex: '^(\\.\\./)+aws(/|$)',
    message: 'src/engine/plan/ is pure: it may not import the AWS clients (src/aws/).',
  },
  {
    regex: '^(@aws-sdk/|aws-sdk($|/))',
    allowTypeImports: true,
    message: 'src/engine/plan/ makes no AWS calls: import SDK shapes with `import type`.',
  },
];

/**
 * @param {{ regex: string; message: string; allowTypeImports?: boolean }[]} patterns
 * @returns {import('eslint').Linter.RulesRecord}
 */
const restrict = (patterns) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    { patterns: patterns.map((p) => ({ ...p, caseSensitive: true })) },
  ],
});

export default tseslint.config(
  {
    ignores: ['dist/', 'build/', 'node_modules/', '.venv/', 'src/models.ts', 'coverage/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The JavaScript files (tools/*.mjs and the root configs) are type-checked from their JSDoc by
    // tools/tsconfig.json (checkJs), which reports undefined names with Node's own types.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { 'no-undef': 'off' },
  },
  {
    // CommonJS: require() is how these files import.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // fc.assert throws with the seed and path that replay a failure (test/support/fast-check-replay.ts);
    // fc.check hands back the details, and a runner of its own can drop them.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'fc',
          property: 'check',
          message: 'use fc.assert: its failure report carries the seed and path to replay.',
        },
      ],
    },
  },
  { files: ['src/**/*.ts'], rules: restrict([SHIPPED_TREE, CFN_LIB]) },
  { files: ['src/registry/**/*.ts'], rules: restrict([SHIPPED_TREE]) },
  { files: ['src/engine/plan/**/*.ts'], rules: restrict([SHIPPED_TREE, CFN_LIB, ...PLANNER_IO]) },
);
