// Baseline (a) for the stream benchmark: a bare node:http SSE server; POST /broadcast sends one event to all.
// Run: npx tsx scripts/bench/servers/sse-bare.ts PORT
import { createServer, type ServerResponse } from 'node:http';

const clients = new Set<ServerResponse>();
createServer((req, res) => {
  if (req.method === 'POST') {
    const f = `event: broadcast\ndata: {"t":${Date.now()}}\n\n`;
    for (const c of clients) c.write(f);
    res.end(String(clients.size));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.write(': connected\n\n');
  clients.add(res);
  res.on('close', () => clients.delete(res));
}).listen(Number(process.argv[2] ?? 3201), () => console.log('ready'));
