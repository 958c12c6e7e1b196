// The official MCP conformance suite (@modelcontextprotocol/conformance,
// pinned in tests/package.json) against the no-auth /mcp, one test per
// server scenario that applies to ddbsql today.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertNoSanitizerReports, startTestStack, tempDir } from './lib/harness.mjs';

const TESTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(TESTS_DIR, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

const SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'resources-list',
  'prompts-list',
  // Needs a localhost URL: the stack's mcpUrl is http://127.0.0.1:PORT/mcp.
  'dns-rebinding-protection',
];

let stack;
let outDir;

before(async () => {
  assert.ok(fs.existsSync(CLI), `${CLI} missing: run tests/install-deps.sh`);
  stack = await startTestStack();
  outDir = tempDir('conformance');
});

after(async () => {
  await stack?.stop();
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

// Runs the CLI; resolves {code, output} (stdout and stderr interleaved).
function runScenario(scenario) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, 'server', '--url', stack.mcpUrl, '--scenario', scenario, '--output-dir', path.join(outDir, scenario)],
      { cwd: outDir, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `signal ${signal}` : code, output });
    });
  });
}

for (const scenario of SCENARIOS) {
  test(`conformance: ${scenario}`, async () => {
    const { code, output } = await runScenario(scenario);
    assert.equal(code, 0, `conformance server --scenario ${scenario} exited with ${code}:\n${output}`);
    assert.match(output, /Passed: (\d+)\/\1, 0 failed/, output);
  });
}

test('no sanitizer reports from the workers', async () => {
  await stack.stop(); // workers report leaks when they exit
  assertNoSanitizerReports(stack);
});
