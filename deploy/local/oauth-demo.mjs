// OAuth material for the local stack (`make run`) and the integration
// tests, made with node's own crypto in the formats ddbsql reads
// (docs/CONFIG.md): a token signing key, scrypt password hashes for
// [user NAME], sha256 secret hashes for [client ID], and the config text of
// a demo user and a demo API client. Development only: the demo
// credentials are printed and written to a file on purpose.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const b64 = (buf) => buf.toString('base64').replace(/=+$/, '');

/**
 * A [user NAME] password_hash: `$scrypt$ln=..,r=8,p=1$<salt>$<hash>` (PHC
 * string, unpadded base64), as oauth/password.h verifies it. ln 14 is
 * ddbsql's default; tests may use 10 (the minimum) to sign in faster.
 */
export function passwordHash(password, { ln = 14, r = 8, p = 1 } = {}) {
  const salt = crypto.randomBytes(16);
  const N = 2 ** ln;
  const hash = crypto.scryptSync(password, salt, 32, { N, r, p, maxmem: 256 * N * r });
  return `$scrypt$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(hash)}`;
}

/** A [client ID] secret_hash: "sha256:" + hex of the secret's SHA-256. */
export function clientSecretHash(secret) {
  return `sha256:${crypto.createHash('sha256').update(secret).digest('hex')}`;
}

/** A random secret of n bytes, base64url. */
export function randomSecret(n = 32) {
  return crypto.randomBytes(n).toString('base64url');
}

/** Writes a new P-256 signing key (PKCS#8 PEM, mode 0600) to file. */
export function writeSigningKey(file) {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}

/**
 * Fresh demo credentials: a user who signs in on the /authorize pages and a
 * confidential API client for client_credentials, both with every scope.
 */
export function newDemoCredentials() {
  return {
    user: { name: 'demo', password: randomSecret(12) },
    apiClient: { clientId: 'demo-api', clientSecret: randomSecret(32), scopes: 'query schemas:read' },
  };
}

/**
 * The config sections for auth = oauth around demo credentials: [oauth]
 * (extra keys given as an object), the signing key, the user and the API
 * client. Appended to the generated config of stack.mjs (configExtra).
 */
export function demoOAuthConfig({ keyFile, creds, oauth = {}, ln = 14 }) {
  const extra = Object.entries(oauth).map(([k, v]) => `${k} = ${v}\n`).join('');
  return `
[oauth]
${extra}
[signing_key local-dev]
path = ${keyFile}
active = true

# Demo only (make run): printed on start and written to run/demo.json.
[user ${creds.user.name}]
password_hash = ${passwordHash(creds.user.password, { ln })}
scopes = query schemas:read

[client ${creds.apiClient.clientId}]
name = Demo API client
type = confidential
secret_hash = ${clientSecretHash(creds.apiClient.clientSecret)}
grant_types = client_credentials
scopes = ${creds.apiClient.scopes}
`;
}
