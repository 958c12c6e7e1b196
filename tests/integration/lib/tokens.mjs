// Test-only OAuth material for the integration tests: P-256 signing keys
// written the way ddbsql wants them (PEM, mode 0600), and access tokens
// minted with node's own crypto (an ES256 implementation independent of
// ddbsql's), including hostile ones (alg none, HS256 with the public key,
// duplicate members, bad signatures).

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const b64 = (s) => Buffer.from(s).toString('base64url');

/** A new P-256 key: {pem (PKCS#8 private), publicPem, jwk (public x, y)}. */
export function newKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }),
    jwk: publicKey.export({ format: 'jwk' }),
  };
}

/** Writes key.pem to dir/name with mode 0600 and returns the path. */
export function writeKey(dir, name, key, mode = 0o600) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, key.pem, { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** Compact JWS over the given header and claims JSON texts, ES256 r||s. */
export function signRaw(pem, headerJson, claimsJson) {
  const input = `${b64(headerJson)}.${b64(claimsJson)}`;
  const sig = crypto.sign('sha256', Buffer.from(input), { key: pem, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

/**
 * An RFC 9068 access token for ddbsql: {kid, iss, aud, sub, client_id,
 * scope} plus overrides in claims (iat/exp default to now / now + 600).
 */
export function mint(pem, { kid, iss, aud, sub = 'alice', client_id = 'test-client', scope = 'query schemas:read', claims = {}, header = {} }) {
  const now = Math.floor(Date.now() / 1000);
  const c = { iss, sub, aud, client_id, scope, iat: now, exp: now + 600, jti: crypto.randomBytes(16).toString('hex'), ...claims };
  const h = { alg: 'ES256', typ: 'at+jwt', kid, ...header };
  return signRaw(pem, JSON.stringify(h), JSON.stringify(c));
}

/** An HS256 token whose HMAC key is `secret` (e.g. the server's public key). */
export function hs256(headerJson, claimsJson, secret) {
  const input = `${b64(headerJson)}.${b64(claimsJson)}`;
  return `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned token (alg none). */
export function unsigned(headerJson, claimsJson) {
  return `${b64(headerJson)}.${b64(claimsJson)}.`;
}
