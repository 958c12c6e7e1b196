// Integration-test side of the local stack (deploy/local/stack.mjs): the same
// services, with the asan build by default and sanitizer reports turned into
// test failures.
//
//   import { describe, it } from 'node:test';
//   import { useStack } from './lib/stack.mjs';
//   describe('tools', () => {
//     const ctx = useStack();                 // before(): start, after(): stop + check
//     it('lists tables', async () => { ... ctx.stack.mcpUrl ... });
//   });
//
// startTestStack(opts) is the same without hooks (call stack.stop() and
// assertNoSanitizerReports(stack) yourself). opts are startStack's (see
// deploy/local/stack.mjs): configGlobal, configSchema, configExtra, redis:
// false, env, maxProcs, ...

import { after, before } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startStack } from '../../../deploy/local/stack.mjs';

export { REPO_ROOT, freePort, DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY, DEMO_REGION } from '../../../deploy/local/stack.mjs';

// asan unless DDBSQL_TEST_VARIANT says otherwise (run-all.sh sets it); when
// run by hand without an asan build, the release build.
export function testVariant() {
  if (process.env.DDBSQL_TEST_VARIANT) return process.env.DDBSQL_TEST_VARIANT;
  return fs.existsSync(path.join(REPO_ROOT, 'build/asan/bin/ddbsql-mcp')) ? 'asan' : 'release';
}

export async function startTestStack(opts = {}) {
  return startStack({
    variant: testVariant(),
    log: process.env.DDBSQL_TEST_DEBUG ? (m) => console.error(`[stack] ${m}`) : undefined,
    ...opts,
  });
}

export function assertNoSanitizerReports(stack) {
  const reports = stack.sanitizerReports();
  if (reports.length) {
    throw new Error(
      `${reports.length} sanitizer report(s) in ${stack.errorLogPath} (work dir kept):\n\n${reports.join('\n\n')}`,
    );
  }
}

// Registers before/after hooks in the current suite (or file) that start a
// stack and stop it; the after hook fails when a worker printed a sanitizer
// report. Returns {stack}, filled in once before() ran.
export function useStack(opts = {}) {
  const ctx = { stack: null };
  before(async () => {
    ctx.stack = await startTestStack(opts);
  });
  after(async () => {
    if (!ctx.stack) return;
    await ctx.stack.stop();
    assertNoSanitizerReports(ctx.stack);
  });
  return ctx;
}

// The error log written since `mark` (a length from a previous
// readErrorLog()), to check what one request logged.
export function logSince(stack, mark) {
  return stack.readErrorLog().slice(mark);
}
