#!/usr/bin/env node
// The comparison peer for `make bench`: the official MCP TypeScript SDK's
// Streamable HTTP server in stateless mode, the way the SDK's own example
// (examples/server/simpleStatelessStreamableHttp) runs it: Express through
// createMcpExpressApp, and a fresh Server + transport for every POST, with
// sessionIdGenerator undefined and enableJsonResponse true.
//
// It serves ddbsql's own initialize result and tools/list result, read from
// a JSON file, so both servers send the same payloads:
//   node bench/peer/ts-sdk-server.mjs PORT SPEC.json
//   SPEC.json = { "initialize": <ddbsql's initialize result>,
//                 "toolsList":  <ddbsql's tools/list result> }
// The low-level Server is used (not McpServer) so the tool list, schemas
// included, is returned verbatim instead of being rebuilt from zod.
// It prints "listening on PORT" when ready.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// The SDK is installed for the integration tests (tests/node_modules).
const requireFromTests = createRequire(path.join(REPO_ROOT, 'tests/package.json'));
const sdk = (p) => requireFromTests(`@modelcontextprotocol/sdk/${p}`);
const { Server } = sdk('server/index.js');
const { StreamableHTTPServerTransport } = sdk('server/streamableHttp.js');
const { createMcpExpressApp } = sdk('server/express.js');
const { ListToolsRequestSchema } = sdk('types.js');

const [portArg, specPath] = process.argv.slice(2);
const port = Number(portArg);
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !specPath) {
  console.error('usage: ts-sdk-server.mjs PORT SPEC.json');
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'));
const init = spec.initialize;
const toolsList = spec.toolsList;
if (!init?.serverInfo || !Array.isArray(toolsList?.tools)) {
  console.error(`${specPath}: expected {initialize: {serverInfo,...}, toolsList: {tools: [...]}}`);
  process.exit(2);
}

// Same server identity, capabilities and instructions as ddbsql, so the
// initialize results match too.
function getServer() {
  const server = new Server(init.serverInfo, {
    capabilities: init.capabilities || {},
    instructions: init.instructions,
  });
  server.setRequestHandler(ListToolsRequestSchema, async () => toolsList);
  return server;
}

const app = createMcpExpressApp();
app.post('/mcp', async (req, res) => {
  const server = getServer();
  try {
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    res.on('close', () => {
      transport.close();
      server.close();
    });
  } catch (error) {
    console.error('Error handling MCP request:', error);
    if (!res.headersSent) {
      res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  }
});

const httpServer = app.listen(port, '127.0.0.1', (error) => {
  if (error) {
    console.error('Failed to start server:', error);
    process.exit(1);
  }
  console.log(`listening on ${port}`);
});
const shutdown = () => httpServer.close(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
