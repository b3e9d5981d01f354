// ESLint (flat config): the recommended JavaScript and typescript-eslint rules, not type-aware (fast, no
// tsconfig program). Formatting is Prettier's job (.prettierrc.json); `npm run lint` runs this file.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_GLOBALS = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    'process',
    '__dirname',
    '__filename',
    'console',
    'Buffer',
    'performance',
    'setTimeout',
    'clearTimeout',
    'setImmediate',
    'setInterval',
    'clearInterval',
    'URL',
    'TextEncoder',
    'TextDecoder',
  ].map((g) => [g, 'readonly']),
);

export default tseslint.config(
  // kernel/tslab/ is the vendored fork of tslab's kernel (Apache-2.0, compiled JS kept close to upstream for diffs).
  { ignores: ['node_modules/', '**/node_modules/', 'dist/', 'runs/', 'notebooks/', '**/*.ipynb', 'kernel/**/*.py', 'kernel/tslab/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring, callback signatures).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Non-null assertions are used where an invariant (e.g. a Map filled just before) guarantees the value.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Optional backends (tfjs-node, wasm threads) and JSON/CJS helpers are loaded with require() on purpose
      // in this CommonJS project; 11 call sites.
      '@typescript-eslint/no-require-imports': 'off',
      // Errors are re-thrown with the cause's message folded into a message that names the file and the fix;
      // attaching `cause` as well is welcome but would touch 7 files of other branches now.
      'preserve-caught-error': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: NODE_GLOBALS },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: NODE_GLOBALS },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
