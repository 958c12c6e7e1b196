// MCP clients for the integration tests: the official TypeScript SDK (a real
// client, as Claude or the Inspector would connect) and raw HTTP helpers for
// the cases a well-behaved client never produces.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const PROTOCOL_VERSION = '2025-06-18';
export const ACCEPT_BOTH = 'application/json, text/event-stream';

// A connected SDK client (initialize handshake done). Close it with
// `await client.close()`. opts.headers are sent on every request.
export async function connectClient(url, { headers = {}, name = 'ddbsql-tests' } = {}) {
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport);
  return client;
}

// Text content of a tools/call result, joined.
export function toolText(result) {
  return (result.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('');
}

// Parses a text/event-stream body into [{event, id, data}] (data joined
// with \n as the SSE spec says).
export function parseSse(text) {
  const events = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (!block.trim()) continue;
    const ev = { event: 'message', id: undefined, data: [] };
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'data') ev.data.push(value);
      else if (field === 'event') ev.event = value;
      else if (field === 'id') ev.id = value;
    }
    events.push({ ...ev, data: ev.data.join('\n') });
  }
  return events;
}

// POSTs raw bytes and returns {status, headers, text, json, messages}.
// messages: the JSON-RPC messages of the body, whether it came as JSON or as
// SSE; json: the parsed JSON body (or the first SSE message), else undefined.
export async function postRaw(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    body,
  });
  return readResponse(res);
}

export async function readResponse(res) {
  const text = await res.text();
  const type = res.headers.get('content-type') || '';
  let messages = [];
  if (type.startsWith('text/event-stream')) {
    messages = parseSse(text).filter((e) => e.data).map((e) => JSON.parse(e.data));
  } else if (text && type.includes('json')) {
    const parsed = JSON.parse(text);
    messages = Array.isArray(parsed) ? parsed : [parsed];
  }
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: type.includes('json') && text ? JSON.parse(text) : messages[0],
    messages,
  };
}

let nextId = 1;

// One JSON-RPC request. opts: {id, headers, sessionId, protocolVersion}.
export async function rpc(url, method, params, opts = {}) {
  const id = opts.id ?? nextId++;
  const headers = { ...(opts.headers || {}) };
  if (opts.sessionId) headers['mcp-session-id'] = opts.sessionId;
  if (opts.protocolVersion !== null) headers['mcp-protocol-version'] = opts.protocolVersion || PROTOCOL_VERSION;
  const msg = { jsonrpc: '2.0', id, method };
  if (params !== undefined) msg.params = params;
  return postRaw(url, JSON.stringify(msg), headers);
}

// A JSON-RPC notification (no id); returns the raw response (202 expected).
export async function notify(url, method, params, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (opts.sessionId) headers['mcp-session-id'] = opts.sessionId;
  headers['mcp-protocol-version'] = opts.protocolVersion || PROTOCOL_VERSION;
  const msg = { jsonrpc: '2.0', method };
  if (params !== undefined) msg.params = params;
  return postRaw(url, JSON.stringify(msg), headers);
}

// The initialize handshake by hand. Returns {sessionId, result, response};
// pass {sessionId} to later rpc() calls.
export async function initialize(url, opts = {}) {
  const response = await rpc(
    url,
    'initialize',
    {
      protocolVersion: opts.protocolVersion || PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: 'ddbsql-tests', version: '1.0.0' },
    },
    { headers: opts.headers, protocolVersion: null },
  );
  if (response.status !== 200 || !response.json?.result) {
    throw new Error(`initialize failed: HTTP ${response.status}: ${response.text.slice(0, 500)}`);
  }
  const sessionId = response.headers.get('mcp-session-id') || undefined;
  await notify(url, 'notifications/initialized', undefined, { sessionId, headers: opts.headers });
  return { sessionId, result: response.json.result, response };
}
