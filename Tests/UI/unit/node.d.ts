// The part of node's built-in test runner and assert module the unit tests use (Debian ships no
// @types/node).
declare module "node:test" {
  export default function test(name: string, body: () => void | Promise<void>): Promise<void>;
}
declare module "node:assert/strict" {
  const assert: {
    equal(actual: unknown, expected: unknown, message?: string): void;
    deepEqual(actual: unknown, expected: unknown, message?: string): void;
    ok(value: unknown, message?: string): asserts value;
    match(value: string, pattern: RegExp, message?: string): void;
    throws(body: () => unknown, pattern?: RegExp, message?: string): void;
  };
  export default assert;
}
