// A TCP proxy in front of redis-server that can stop a chosen command in
// its tracks, so a test can kill the worker that sent it at an exact point:
//
//   const p = await startRedisProxy({ targetPort: 6379 });     // p.port for the config
//   const held = p.hold((argv) => argv[0] === 'EVAL' && argv[1].includes('...'), 'after');
//   ... send the request that runs the command ...
//   const { clientPort, argv } = await held.reached;   // the command is held now
//   // 'before': Redis has not seen it;  'after': Redis ran it, the reply is held
//   process.kill(pidOfLocalPort(clientPort), 'SIGKILL');   // or held.release()
//
// ddbsql's Redis client (hiredis, synchronous) sends one command and waits
// for its reply, so holding a connection's traffic from the matching
// command on (before) or from the reply on (after) stops exactly there.
//
// stopListening() closes the listener and every connection (nothing
// answers, as when Redis is down); listen() opens it again on the same port.

import net from 'node:net';

/** Parses complete RESP arrays of bulk strings at the start of buf:
 * [[argv, byteLength], ...] (inline commands are not used by hiredis). */
function parseCommands(buf) {
  const out = [];
  let i = 0;
  for (;;) {
    if (i >= buf.length || buf[i] !== 0x2a /* * */) break;
    const eol = buf.indexOf('\r\n', i);
    if (eol < 0) break;
    const n = Number(buf.subarray(i + 1, eol).toString('latin1'));
    let j = eol + 2;
    const argv = [];
    let complete = true;
    for (let k = 0; k < n; k++) {
      const e = buf.indexOf('\r\n', j);
      if (e < 0 || buf[j] !== 0x24 /* $ */) {
        complete = false;
        break;
      }
      const len = Number(buf.subarray(j + 1, e).toString('latin1'));
      if (buf.length < e + 2 + len + 2) {
        complete = false;
        break;
      }
      argv.push(buf.subarray(e + 2, e + 2 + len).toString('utf8'));
      j = e + 2 + len + 2;
    }
    if (!complete) break;
    out.push([argv, j - i]);
    i = j;
  }
  return out;
}

export async function startRedisProxy({ targetPort, port = 0, host = '127.0.0.1' }) {
  const conns = new Set();
  let holdRule = null; // {match, when, resolve}
  const stats = { connections: 0, commands: 0 };

  const server = net.createServer((client) => {
    stats.connections++;
    const up = net.connect(targetPort, '127.0.0.1');
    const c = { client, up, pending: Buffer.alloc(0), heldUp: null, heldDown: null, held: null };
    conns.add(c);
    const end = () => {
      conns.delete(c);
      client.destroy();
      up.destroy();
    };
    client.on('error', end);
    up.on('error', end);
    client.on('close', end);
    up.on('close', end);

    client.on('data', (d) => {
      if (c.heldUp) {
        c.heldUp.push(d);
        return;
      }
      c.pending = Buffer.concat([c.pending, d]);
      let forwarded = 0;
      for (const [argv, len] of parseCommands(c.pending)) {
        stats.commands++;
        const rule = holdRule;
        if (rule && rule.match(argv)) {
          holdRule = null;
          const info = { clientPort: client.remotePort, argv };
          if (rule.when === 'before') {
            // Forward what came before; keep this command and the rest.
            up.write(c.pending.subarray(0, forwarded));
            c.heldUp = [c.pending.subarray(forwarded)];
            c.pending = Buffer.alloc(0);
            c.held = rule;
            rule.resolve(info);
            return;
          }
          // 'after': the command goes to Redis; its reply is kept.
          c.heldDown = [];
          c.held = rule;
          up.write(c.pending.subarray(0, forwarded + len));
          c.pending = c.pending.subarray(forwarded + len);
          forwarded = 0;
          const wait = () => {
            // Resolve once Redis has answered (the reply is in hand).
            if (c.heldDown.length) rule.resolve(info);
            else setTimeout(wait, 5);
          };
          wait();
          continue;
        }
        forwarded += len;
      }
      if (forwarded) {
        up.write(c.pending.subarray(0, forwarded));
        c.pending = c.pending.subarray(forwarded);
      }
    });
    up.on('data', (d) => {
      if (c.heldDown) c.heldDown.push(d);
      else client.write(d);
    });
    c.release = () => {
      if (c.heldUp) {
        const data = Buffer.concat(c.heldUp);
        c.heldUp = null;
        client.emit('data', data);
      }
      if (c.heldDown) {
        const data = Buffer.concat(c.heldDown);
        c.heldDown = null;
        if (data.length) client.write(data);
      }
    };
  });

  let boundPort = port;
  const listen = () =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(boundPort, host, () => {
        server.off('error', reject);
        boundPort = server.address().port;
        resolve();
      });
    });
  await listen();

  return {
    get port() {
      return boundPort;
    },
    stats,
    /** Holds the next command matching match(argv): 'before' Redis sees it,
     * or 'after' it ran (its reply held). {reached: Promise<{clientPort,
     * argv}>, release(), cancel()}. */
    hold(match, when = 'before') {
      let resolve;
      const reached = new Promise((r) => (resolve = r));
      const rule = { match, when, resolve };
      holdRule = rule;
      return {
        reached,
        release() {
          for (const c of conns) if (c.held === rule) c.release();
        },
        cancel() {
          if (holdRule === rule) holdRule = null;
        },
      };
    },
    listen,
    stopListening() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const c of conns) {
          c.client.destroy();
          c.up.destroy();
        }
      });
    },
    async close() {
      await this.stopListening();
    },
  };
}

/** Starts redis-server on 127.0.0.1:port (no persistence, files in dir):
 * {port, pid, stop()} once it answers PING. */
export async function startRedisServer({ port, dir }) {
  const { spawn } = await import('node:child_process');
  const proc = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let exited = false;
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  proc.on('exit', () => (exited = true));
  const ping = () =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.setTimeout(500, () => {
        s.destroy();
        resolve(false);
      });
      s.on('connect', () => s.write('PING\r\n'));
      s.on('data', (d) => {
        got += d;
        if (got.includes('\r\n')) {
          s.destroy();
          resolve(got.startsWith('+PONG'));
        }
      });
      s.on('error', () => resolve(false));
    });
  const deadline = Date.now() + 15000;
  while (!(await ping())) {
    if (exited || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`redis-server did not start on ${port}: ${stderr.slice(-1000)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    pid: proc.pid,
    async stop() {
      if (exited) return;
      proc.kill('SIGTERM');
      for (let i = 0; i < 150 && !exited; i++) await new Promise((r) => setTimeout(r, 20));
      if (!exited) proc.kill('SIGKILL');
    },
  };
}
