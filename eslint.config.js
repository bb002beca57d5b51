// @ts-check
// Lint: typescript-eslint's strict type-checked rules on every TypeScript file (src, test,
// examples, bench and the tool configs share one tsconfig, so the type information is there
// at no extra set-up); the browser and helper scripts in plain JavaScript get the untyped
// rules. Formatting is Prettier's job, so no stylistic rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'test-output/', 'docs/api/reference/', '.vitest-cache/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The library's rule: no `any`, and above all no `as any` (it is how payload types drift).
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-syntax': ['error', { selector: 'TSAsExpression > TSAnyKeyword', message: 'No `as any`: name the type.' }],
      // Numbers and booleans print well in messages; objects, nullish values and `any` still may not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // Forwarding a caught or received value (an abort reason, typed `any`; an 'error' event) is not inventing a non-Error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `declare global { namespace Phaseq { interface JobPayloadMap ... } }` is how plugins type their payloads.
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      // `() => resolve()`-style shorthand callbacks are idiomatic; returning void from a block body still is flagged.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Public entry points check their inputs at run time for JavaScript callers and bad JSON, which the types call impossible.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // The same run-time view: public methods coerce ids and names (`String(id)`) a JavaScript caller may pass as numbers.
      '@typescript-eslint/no-unnecessary-type-conversion': 'off',
      // And `x === true` stays where a declared boolean is undefined at run time (`process.stdout.isTTY` on a pipe).
      '@typescript-eslint/no-unnecessary-boolean-literal-compare': 'off',
      // `async` on a method that does not await turns a synchronous throw into the rejection the contract promises.
      '@typescript-eslint/require-await': 'off',
      // With noUncheckedIndexedAccess every index read is optional; `!` marks the reads a bound check already proves.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `Promise<unknown> | unknown` says a handler may be async; `keyof M & string` guards a later augmentation with other keys.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // `_now` keeps a contract's parameter list readable; `{ omitted: _x, ...rest }` is how a key is dropped.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read untyped JSON (HTTP bodies, files, Redis) and assert on it; a wrong shape fails the assertion.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // A parsed NFO tree is read by path (`Record<string, any>`); `as any` stays forbidden here too.
      '@typescript-eslint/no-explicit-any': 'off',
      // Tests hand the code fakes and odd values on purpose: stand-in objects for classes,
      // rejections that are not Errors, request fields stringified as the fake servers got them.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      // `void x;` marks a read in type tests, and `() => void count++` keeps a counting listener a one-liner.
      '@typescript-eslint/no-meaningless-void-operator': 'off',
      // Deprecated helpers of pinned test libraries (fast-xml-parser's XMLValidator, fast-check's
      // withUnicodeString, vitest's toMatchTypeOf) still work; replacing one needs another package or a rewrite of the check.
      '@typescript-eslint/no-deprecated': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // A CommonJS preload script can only `require`.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The example server's dashboard runs in the browser.
    files: ['examples/server/public/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
);
