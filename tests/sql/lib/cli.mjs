// Runs build/<variant>/bin/ddbsql-sql with any arguments and, optionally, the
// SQL on stdin (for text a command line cannot carry: NUL bytes, megabytes).
// Shared by run-bad-input.mjs and run-doc-examples.mjs, which need stdin,
// --text and --cursor (lib/env.mjs's runSql covers the golden runners).
//
//   runCli(args, {stdin, timeoutMs}) ->
//     {status, stdout, stderr, ms, problem}
//   problem is set when the run broke the contract: a hang (killed after
//   timeoutMs), a crash (a signal, an exit status other than 0/1), or a
//   sanitizer report on stderr.

import { spawn } from 'node:child_process';
import { SQL_BIN, VARIANT } from './env.mjs';

const SANITIZER_ENV = {
  ASAN_OPTIONS: 'halt_on_error=1:detect_leaks=1:print_summary=1:strict_string_checks=1',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:print_summary=1',
};
const SANITIZER = /(==\d+==ERROR: (Address|Leak|Memory)Sanitizer|: runtime error: |==\d+==WARNING: .*Sanitizer)/;

export function runCli(args, { stdin = null, timeoutMs = 60000 } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const p = spawn(SQL_BIN, args, {
      env: { ...process.env, ...(VARIANT === 'asan' ? SANITIZER_ENV : {}) },
      stdio: [stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => err.push(d));
    if (stdin !== null) {
      p.stdin.on('error', () => {}); // a process that exits early closes its stdin
      p.stdin.end(stdin);
    }
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const r = {
        status: code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - t0,
        problem: null,
      };
      if (timedOut) r.problem = `no answer within ${timeoutMs} ms (a hang)`;
      else if (signal) r.problem = `killed by ${signal} (a crash)`;
      else if (code !== 0 && code !== 1) r.problem = `exit status ${code}: ${r.stderr.slice(0, 1000)}`;
      const lines = r.stderr.split('\n');
      const i = lines.findIndex((l) => SANITIZER.test(l));
      if (i >= 0) r.problem = `sanitizer report:\n${lines.slice(i, i + 40).join('\n')}`;
      resolve(r);
    });
  });
}
