import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'build/',
      'node_modules/',
      '.venv/',
      'src/models.ts',
      'coverage/',
      '**/*.js',
      '**/*.mjs',
    ],
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
    // The planner is pure: no I/O module, no AWS client at run time (type imports of SDK shapes are fine).
    files: ['src/engine/plan/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/observe', '**/apply', '**/converge', '**/secret', '**/aws/*'],
              message: 'the planner does no I/O: it plans from the observed state it is given',
            },
            {
              group: ['@aws-sdk/*', 'aws-sdk', 'aws-sdk/*'],
              allowTypeImports: true,
              message: 'the planner makes no AWS calls: import SDK shapes with `import type`',
            },
          ],
        },
      ],
    },
  },
);
