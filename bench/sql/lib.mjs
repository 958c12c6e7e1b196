// Shared by the SQL benchmarks (bench/sql/*.mjs): settings from the
// environment, latency statistics, /proc readings and the results file.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '../..');
export const RESULTS_DIR = path.join(REPO_ROOT, 'bench/results');

export const say = (s = '') => process.stdout.write(`${s}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A whole number from the environment, checked against [min, max]. */
export function envCount(name, dflt, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name}=${raw}: expected a whole number`);
  const v = Number(raw);
  if (v < min || v > max) throw new Error(`${name}=${raw}: must be between ${min} and ${max}`);
  return v;
}

/** The q-quantile (0..1) of ms values, nearest rank. */
export function quantile(values, q) {
  const v = [...values].sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
}

export function summary(values) {
  const mean = values.reduce((s, x) => s + x, 0) / (values.length || 1);
  return {
    n: values.length,
    p50_ms: quantile(values, 0.5),
    p95_ms: quantile(values, 0.95),
    mean_ms: mean,
    min_ms: quantile(values, 0),
    max_ms: quantile(values, 1),
  };
}

export const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');

/** VmRSS and VmHWM (KiB) of a process, or null when it is gone. */
export function procMemory(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rssKiB: kb('VmRSS'), hwmKiB: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Children of a process (from /proc), with their command lines. */
export function childrenOf(ppid) {
  const out = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${ent}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[1]) !== ppid || f[0] === 'Z') continue;
      const cmdline = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0').filter(Boolean);
      out.push({ pid: Number(ent), cmdline });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** The lighttpd process running a config file, or null. */
export function lighttpdPid(confPath) {
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${ent}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('lighttpd') && cmd.includes(confPath)) return Number(ent);
    } catch {
      /* gone */
    }
  }
  return null;
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** Writes bench/results/<kind>-<time>.json and returns its path. */
export function writeResults(kind, doc) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(RESULTS_DIR, `${kind}-${stamp}.json`);
  const full = {
    benchmark: kind,
    time: new Date().toISOString(),
    git_commit: gitCommit(),
    host: { cpus: os.cpus().length, loadavg_at_start: os.loadavg() },
    node: process.version,
    ...doc,
  };
  fs.writeFileSync(file, `${JSON.stringify(full, null, 2)}\n`);
  return file;
}

/** POSTs one JSON-RPC request to an MCP endpoint; returns the parsed body. */
export async function mcpCall(url, id, method, params) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-11-25',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** run_sql through tools/call; throws unless it returned rows. */
export async function runSql(url, id, sql, extra = {}) {
  const body = await mcpCall(url, id, 'tools/call', { name: 'run_sql', arguments: { sql, ...extra } });
  const r = body.result;
  if (!r || r.isError) {
    throw new Error(`run_sql failed: ${JSON.stringify(body.error || r?.content || body).slice(0, 500)}`);
  }
  return r.structuredContent;
}
