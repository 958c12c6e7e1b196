#!/usr/bin/env node
// The peer of `make bench-oauth` (bench/oauth.mjs): node oidc-provider
// (panva/node-oidc-provider, from bench/node_modules) issuing the same
// access tokens as ddbsql's /token for the client_credentials grant: RFC 9068
// JWTs ("typ": "at+jwt") signed ES256 with a P-256 key, aud = the MCP URL
// (resource indicators, RFC 8707), the same claims (iss, sub, aud,
// client_id, scope, iat, exp, jti), 600 s, for a confidential client that
// authenticates with client_secret_basic.
//
//   node bench/peer/oidc-provider-server.mjs PORT SPEC.json
//
// SPEC: {"issuer", "resource", "clientId", "clientSecret", "procs"}. With
// procs > 1 it runs that many processes (node:cluster, one listening socket)
// like ddbsql's FastCGI workers; each has the same key. Prints "listening on
// PORT" once every process listens.

import cluster from 'node:cluster';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const [, , portArg, specPath] = process.argv;
const port = Number(portArg);
if (!port || !specPath) {
  console.error('usage: oidc-provider-server.mjs PORT SPEC.json');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
const procs = Math.max(1, Number(spec.procs || 1));

if (cluster.isPrimary && procs > 1) {
  // One key for every process (a token from any of them verifies the same).
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
  let up = 0;
  for (let i = 0; i < procs; i++) {
    const w = cluster.fork({ BENCH_PEER_JWK: jwk });
    w.on('message', (m) => {
      if (m === 'listening' && ++up === procs) console.log(`listening on ${port} (${procs} processes)`);
    });
  }
  cluster.on('exit', (w, code, signal) => {
    console.error(`worker ${w.process.pid} exited (${signal || code})`);
    process.exit(1);
  });
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
      process.exit(0);
    });
  }
} else {
  const { default: Provider } = await import(path.join(HERE, '../node_modules/oidc-provider/lib/index.js'));
  const jwk = process.env.BENCH_PEER_JWK
    ? JSON.parse(process.env.BENCH_PEER_JWK)
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const resourceServer = {
    scope: 'query schemas:read',
    audience: spec.resource,
    accessTokenTTL: 600,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'ES256' } },
  };
  const provider = new Provider(spec.issuer, {
    clients: [
      {
        client_id: spec.clientId,
        client_secret: spec.clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256', // the only key is EC
        scope: 'query schemas:read',
      },
    ],
    jwks: { keys: [{ ...jwk, kid: 'peer-1', alg: 'ES256', use: 'sig' }] },
    scopes: ['query', 'schemas:read'],
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => spec.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => resourceServer,
      },
    },
  });
  const server = provider.listen(port, '127.0.0.1', () => {
    if (process.send) process.send('listening');
    else console.log(`listening on ${port} (1 process)`);
  });
  server.keepAliveTimeout = 60000;
}
