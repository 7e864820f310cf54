/**
 * `mailbridge/sandbox`: the package `@mailbridge/sandbox` (an offline Microsoft identity platform and Exchange Online for
 * tests, in a user's own CI too), re-exported for users of mailbridge, whose tarball carries its build (`#sandbox`, see
 * package.json `imports`). Nothing in mailbridge imports this file: the CLI loads the sandbox by `import()` only when a
 * command runs it (see src/cli/load-sandbox.ts).
 *
 * @packageDocumentation
 */
export * from '#sandbox';
