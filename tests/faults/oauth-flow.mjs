// The OAuth flows of ddbsql over plain HTTP, for the fault tests and the
// soak (no browser): client_credentials, the authorization-code flow
// through the /authorize sign-in and consent pages (a cookie, the hidden
// form fields, PKCE S256), the code exchange and refresh at /token, and a
// dynamic client registration at /register. Every helper returns the raw
// answer ({status, headers, text, json}) so a test can judge failures.

import crypto from 'node:crypto';

const FORM = 'application/x-www-form-urlencoded';

async function answer(res) {
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': FORM, ...headers },
    body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
    redirect: 'manual',
    signal: AbortSignal.timeout(30000),
  });
  return answer(res);
}

export function basicAuth(id, secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export const sha256hex = (s) => crypto.createHash('sha256').update(s).digest('hex');

/** The name Redis knows a refresh token or an authorization code by
 * (oauth/refresh_token.h, oauth/auth_code.h): the hex SHA-256 of its 32 raw
 * bytes. */
export const secretHash = (tok) => sha256hex(Buffer.from(tok, 'base64url'));

/** POST /token client_credentials with HTTP Basic. */
export function clientCredentials(base, id, secret, scope) {
  return post(`${base}/token`, { grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, { Authorization: basicAuth(id, secret) });
}

/** POST /token refresh_token for a public client. */
export function refresh(base, clientId, refreshToken) {
  return post(`${base}/token`, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
}

/** POST /token authorization_code for a public client. */
export function exchangeCode(base, { clientId, code, verifier, redirectUri }) {
  return post(`${base}/token`, { grant_type: 'authorization_code', client_id: clientId, code, code_verifier: verifier, redirect_uri: redirectUri });
}

/** POST /register (RFC 7591) of a public client. */
export async function register(base, redirectUri, name = 'fault-test') {
  const res = await fetch(`${base}/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
    signal: AbortSignal.timeout(30000),
  });
  return answer(res);
}

export function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

/** The URL of an authorization request. */
export function authorizeUrl(base, { clientId, redirectUri, challenge, scope = 'query schemas:read', resource, state = 'st' }) {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope,
    ...(resource ? { resource } : {}),
  });
  return `${base}/authorize?${q}`;
}

/** GET /authorize (with an optional cookie). */
export async function getAuthorize(url, cookie) {
  const res = await fetch(url, { headers: cookie ? { Cookie: cookie } : {}, redirect: 'manual', signal: AbortSignal.timeout(30000) });
  return answer(res);
}

function hiddenFields(html) {
  const out = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    out[m[1]] = m[2].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
  return out;
}

function cookieOf(r, previous) {
  const set = r.headers.get('set-cookie');
  return set ? set.split(';')[0] : previous;
}

/**
 * The whole browser flow without a browser: GET /authorize, sign in as
 * user, approve. Returns {code, verifier, redirectUri} or throws with the
 * answer that went wrong.
 */
export async function authorizationCode(base, { clientId, redirectUri, user, password, resource, scope }) {
  const { verifier, challenge } = pkce();
  const url = authorizeUrl(base, { clientId, redirectUri, challenge, resource, scope });
  const what = (step, r) => new Error(`${step}: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  const login = await getAuthorize(url);
  if (login.status !== 200) throw what('GET /authorize', login);
  let cookie = cookieOf(login);
  const consent = await post(`${base}/authorize`, { ...hiddenFields(login.text), username: user, password }, { Cookie: cookie });
  if (consent.status !== 200 || !/decision/.test(consent.text)) throw what('sign-in', consent);
  cookie = cookieOf(consent, cookie);
  const done = await post(`${base}/authorize`, { ...hiddenFields(consent.text), decision: 'approve' }, { Cookie: cookie });
  const loc = done.headers.get('location');
  if (done.status !== 302 || !loc) throw what('consent', done);
  const code = new URL(loc).searchParams.get('code');
  if (!code) throw new Error(`consent redirected without a code: ${loc}`);
  return { code, verifier, redirectUri };
}

/** authorizationCode + exchangeCode: the token answer's JSON (throws otherwise). */
export async function signInTokens(base, opts) {
  const { code, verifier, redirectUri } = await authorizationCode(base, opts);
  const r = await exchangeCode(base, { clientId: opts.clientId, code, verifier, redirectUri });
  if (r.status !== 200) throw new Error(`code exchange: HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  return r.json;
}
