// typescript-eslint's recommended rules over the TypeScript sources, the
// layer rules of ARCHITECTURE.md, and the few house rules a reviewer would
// otherwise have to repeat.
import { builtinModules } from 'node:module';

import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The layers of ARCHITECTURE.md, first match wins: the public entries before
// the folders that hold them. Each layer lists what it may import; anything
// else (a new layer, an upward import) is refused, so the list fails closed.
const LAYERS = [
  { type: 'bridge', pattern: 'bridge/**', mode: 'full' },
  { type: 'preload', pattern: 'preload/**', mode: 'full' },
  { type: 'main-entry', pattern: 'main/index.ts', mode: 'full' },
  { type: 'electron-entry', pattern: 'main/electron/index.ts', mode: 'full' },
  { type: 'main-electron', pattern: 'main/electron/**', mode: 'full' },
  { type: 'main', pattern: 'main/**', mode: 'full' },
  { type: 'demo-main', pattern: 'renderer-demo/main/**', mode: 'full' },
  { type: 'demo-page', pattern: 'renderer-demo/*.js', mode: 'full' },
  // How the demo is packaged (read by forge.config.ts and the packaging checks).
  { type: 'demo-packaging', pattern: '{renderer-demo/*.forge.ts,forge.config.ts}', mode: 'full' },
  // Tests, benchmarks, scripts and examples look at every layer from outside.
  { type: 'tooling', pattern: '{test,e2e,bench,scripts,examples,bin}/**', mode: 'full' },
];
const MAY_IMPORT = {
  bridge: ['bridge'],
  preload: ['preload', 'bridge'],
  'main-entry': ['main', 'bridge'],
  main: ['main', 'main-entry', 'bridge'],
  'main-electron': ['main-electron', 'main', 'main-entry', 'bridge'],
  'electron-entry': ['main-electron', 'main', 'main-entry', 'bridge'],
  'demo-main': ['demo-main', 'main-entry', 'electron-entry'],
  'demo-page': [],
  'demo-packaging': ['demo-packaging'],
  tooling: LAYERS.map((layer) => layer.type),
};
const layerPolicies = [
  ...Object.entries(MAY_IMPORT).map(([from, allowed]) => ({
    from: { element: { type: from } },
    allow: { to: { element: { types: { anyOf: allowed } } } },
  })),
  // bridge/ names main's public types (the contract's response types), never its code.
  {
    from: { element: { type: 'bridge' } },
    allow: { dependency: { kind: 'type' }, to: { element: { types: { anyOf: ['main', 'main-entry'] } } } },
  },
];

const NODE_BUILTINS = builtinModules.flatMap((name) => [name, `node:${name}`]);
const electronOutsideItsLayers = { name: 'electron', message: 'Only the preload entry and main/electron/ may import electron.' };

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'prebuilds/**', 'test-results/**', 'tools/**', 'test/consumer/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.json', './tsconfig.test.json', './tsconfig.e2e.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers and booleans read the same in a message; objects, nullish
      // values and unknowns still have to be turned into text on purpose.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => call()` and `return call()` in a void function are the house's shorthand.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidReturningFunctions: true }],
      // node:test's test() and suite() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'suite', 'describe', 'it'] }] },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': LAYERS,
      // 7.x deprecates `mode` in favour of file descriptors; it is pinned, so
      // the migration is a deliberate upgrade, not a surprise.
      'boundaries/legacy-warnings': false,
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', checkUnknownLocals: true, policies: layerPolicies }],
    },
  },
  // The bundled, sandboxed layers: no Node at all, and electron only in the preload's entry.
  {
    files: ['bridge/**/*.ts', 'preload/**/*.ts'],
    ignores: ['preload/strongroom.preload.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOutsideItsLayers, ...NODE_BUILTINS] }] },
  },
  {
    files: ['preload/strongroom.preload.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: NODE_BUILTINS }] },
  },
  // The library's own code never imports electron outside main/electron/ (the main entry must load without it).
  {
    files: ['main/**/*.ts'],
    ignores: ['main/electron/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOutsideItsLayers] }] },
  },
  // The tests keep the type-checked rules but the one below. A hostile value
  // thrown on purpose (a string, a symbol, an object whose toString throws), a
  // prototype method saved to be put back, or @noble/curves 1.x's only way to
  // recover a public key carries a line-level disable with its reason instead;
  // JSON from a child process is read as the type the child prints.
  {
    files: ['test/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      // A `!` stands where the test's own setup makes the value certain (a
      // spawned child's pid, an error once ok is asserted false, a pooled
      // vault's poolInfo); index reads and regex groups go through at() and
      // must() in test/js/support/assertions instead.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ignores: ['renderer-demo/**'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['renderer-demo/**/*.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
);
