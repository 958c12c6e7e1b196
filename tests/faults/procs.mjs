// What the fault tests and the soak look at from outside: the FastCGI
// workers of one stack (found through /proc: a ddbsql-* process whose
// environment names the stack's config), their resident memory and open
// descriptors, which process owns a loopback TCP port, and raw Redis
// commands (RESP) for CLIENT LIST, key checks and CLIENT PAUSE.
//
// Linux only (/proc), like the rest of the local stack.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

function readOr(file, dflt = '') {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return dflt;
  }
}

/** inode -> unix socket path, from /proc/net/unix. */
function unixSockets() {
  const out = new Map();
  for (const line of readOr('/proc/net/unix').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8) out.set(f[6], f[7]);
  }
  return out;
}

/** The open descriptors of pid (a count), or -1 when it is gone. */
export function fdCount(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}

/** Resident memory of pid in KiB (VmRSS), or -1 when it is gone. */
export function rssKiB(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readOr(`/proc/${pid}/status`));
  return m ? Number(m[1]) : -1;
}

function processState(pid) {
  const stat = readOr(`/proc/${pid}/stat`);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : null;
}

/**
 * The live FastCGI workers serving configPath: [{pid, prog ('mcp', 'token',
 * ...), socket (the FastCGI socket's base name, e.g. 'ddbsql-token.sock'),
 * rssKiB, fds}], sorted by socket then pid. A worker's socket tells the
 * endpoints of one program apart (/token and /revoke both run ddbsql-token).
 */
export function fcgiWorkers(configPath) {
  const want = `DDBSQL_CONFIG=${configPath}`;
  const socks = unixSockets();
  const out = [];
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    const pid = Number(ent);
    let exe;
    try {
      exe = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      continue;
    }
    // " (deleted)": the executable was rebuilt since the worker started.
    const prog = /\/ddbsql-([a-z]+)( \(deleted\))?$/.exec(exe)?.[1];
    if (!prog) continue;
    if (!readOr(`/proc/${pid}/environ`).split('\0').includes(want)) continue;
    const st = processState(pid);
    if (!st || st[0] === 'Z') continue;
    let socket = '';
    try {
      const l = fs.readlinkSync(`/proc/${pid}/fd/0`);
      const inode = /^socket:\[(\d+)\]$/.exec(l)?.[1];
      socket = path.basename(socks.get(inode) || '').replace(/-\d+$/, '');
    } catch {
      /* no fd 0 */
    }
    if (!socket) continue; // --check-config or ddbsql-admin runs: not a worker
    out.push({ pid, prog, socket, rssKiB: rssKiB(pid), fds: fdCount(pid) });
  }
  return out.sort((a, b) => a.socket.localeCompare(b.socket) || a.pid - b.pid);
}

/** The pid of the process holding the TCP connection from 127.0.0.1:port
 * (to 127.0.0.1:peerPort when given), or null. */
export function pidOfLocalPort(port, peerPort) {
  const hex = (p) => `0100007F:${p.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set();
  for (const line of readOr('/proc/net/tcp').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length > 9 && f[1] === hex(port) && (!peerPort || f[2] === hex(peerPort))) inodes.add(f[9]);
  }
  inodes.delete('0');
  if (!inodes.size) return null;
  for (const ent of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(ent)) continue;
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${ent}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let l;
      try {
        l = fs.readlinkSync(`/proc/${ent}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(l)?.[1];
      if (inode && inodes.has(inode)) return Number(ent);
    }
  }
  return null;
}

// ---- Redis ------------------------------------------------------------------

function encode(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) {
    const b = Buffer.from(String(a));
    s += `$${b.length}\r\n${b}\r\n`;
  }
  return s;
}

/** Parses one RESP reply at buf[i]; returns [value, next] or null if incomplete. */
function parse(buf, i = 0) {
  const eol = buf.indexOf('\r\n', i);
  if (eol < 0) return null;
  const type = buf[i];
  const line = buf.slice(i + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return [line, next];
    case '-':
      return [new Error(line), next];
    case ':':
      return [Number(line), next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const bytes = Buffer.from(buf.slice(next), 'latin1');
      if (bytes.length < n + 2) return null;
      return [bytes.subarray(0, n).toString('latin1'), next + n + 2];
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const arr = [];
      let j = next;
      for (let k = 0; k < n; k++) {
        const r = parse(buf, j);
        if (!r) return null;
        arr.push(r[0]);
        j = r[1];
      }
      return [arr, j];
    }
    default:
      throw new Error(`redis: unexpected reply '${buf.slice(i, i + 40)}'`);
  }
}

/** One Redis command on a new connection; its reply (errors are thrown). */
export function redisCommand(port, ...args) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.setEncoding('latin1');
    s.setTimeout(5000, () => {
      s.destroy();
      reject(new Error(`redis ${args[0]}: no answer within 5 s`));
    });
    s.on('connect', () => s.write(encode(args)));
    s.on('data', (d) => {
      got += d;
      let r;
      try {
        r = parse(got);
      } catch (e) {
        s.destroy();
        return reject(e);
      }
      if (!r) return;
      s.destroy();
      if (r[0] instanceof Error) reject(new Error(`redis ${args[0]}: ${r[0].message}`));
      else resolve(r[0]);
    });
    s.on('error', reject);
  });
}

/** CLIENT LIST as [{id, addr, port, cmd, flags, ...}], without the caller's own connection. */
export async function redisClients(port) {
  const text = await redisCommand(port, 'CLIENT', 'LIST');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => Object.fromEntries(l.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])))
    .map((c) => ({ ...c, port: Number(c.addr.split(':').pop()) }))
    .filter((c) => c.cmd !== 'client|list');
}

/** HGETALL as an object. */
export async function redisHash(port, key) {
  const arr = (await redisCommand(port, 'HGETALL', key)) || [];
  const out = {};
  for (let i = 0; i + 1 < arr.length; i += 2) out[arr[i]] = arr[i + 1];
  return out;
}

/** Every key matching pattern (SCAN). */
export async function redisKeys(port, pattern) {
  const keys = [];
  let cursor = '0';
  do {
    const [next, batch] = await redisCommand(port, 'SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}
