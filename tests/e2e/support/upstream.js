'use strict';
// A plain HTTP upstream on 127.0.0.1 (port 0) for the hardening and soak tests, answering by the
// last element of the path (a route prefix before it is ignored):
//   .../echo              the request body back (content-length), the request recorded
//   .../sized/N           N bytes of pattern(N) with a content-length
//   .../chunked/N         pattern(N) in four chunked writes
//   .../sse/N             N server-sent events "data: event I\n\n", one write each
//   .../slow/MS           "slow MS" after MS milliseconds
//   .../reset             a head promising 100000 bytes, 1000 of them, then the connection reset
//   .../huge-trailer      a chunked answer ("hello") whose trailer field is 70,000 bytes
// Idle connections are kept for two minutes (Node's default is 5 s), so a gateway's pooled
// upstream connection stays usable for a whole test.

const http = require('node:http');

const kTrailerBytes = 70000;

// N bytes of a fixed text, the same for every caller.
function pattern(n) {
  const unit = 'abcdefghijklmnopqrstuvwxyz0123456789\n';
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

function sseBody(n) {
  let out = '';
  for (let i = 0; i < n; ++i) out += `data: event ${i}\n\n`;
  return out;
}

class PlainUpstream {
  // `keep`: how many recorded requests to keep (the last ones).
  constructor({ keep = 100 } = {}) {
    this.keep = keep;
    this.requests = [];
    this.count = 0;
    this.server = http.createServer((request, response) => this.handle(request, response));
    this.server.keepAliveTimeout = 120000;
    this.server.headersTimeout = 130000;
    this.server.requestTimeout = 0;
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  last() { return this.requests[this.requests.length - 1]; }

  handle(request, response) {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('error', () => {});
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      ++this.count;
      this.requests.push({ method: request.method, url: request.url, headers: request.headers,
                           rawHeaders: request.rawHeaders, body: body.toString('latin1'),
                           trailers: request.trailers });
      if (this.requests.length > this.keep) this.requests.shift();
      this.answer(request, response, body);
    });
  }

  answer(request, response, body) {
    const parts = request.url.split('?')[0].split('/').filter((part) => part !== '');
    let name = parts.at(-1);
    let arg;
    if (name !== undefined && /^\d+$/.test(name)) {
      arg = Number(name);
      name = parts.at(-2);
    }
    switch (name) {
      case 'echo':
        response.writeHead(200, { 'content-type': 'application/octet-stream',
                                  'content-length': body.length });
        return response.end(body);
      case 'sized': {
        const text = pattern(arg);
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': text.length });
        return response.end(text);
      }
      case 'chunked': {
        const text = pattern(arg);
        response.writeHead(200, { 'content-type': 'text/plain' });  // chunked by Node
        const step = Math.ceil(text.length / 4) || 1;
        for (let at = 0; at < text.length; at += step) response.write(text.slice(at, at + step));
        return response.end();
      }
      case 'sse': {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        let i = 0;
        const next = () => {
          if (response.destroyed) return;
          if (i === arg) return response.end();
          response.write(`data: event ${i++}\n\n`);
          setImmediate(next);
        };
        return next();
      }
      case 'slow': {
        const timer = setTimeout(() => {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end(`slow ${arg}`);
        }, arg);
        response.on('close', () => clearTimeout(timer));
        return undefined;
      }
      case 'reset':
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': 100000 });
        response.write(pattern(1000), () => setTimeout(() => response.socket.resetAndDestroy(), 20));
        return undefined;
      case 'huge-trailer':
        // Written on the socket itself: Node would not send a trailer this large as one field.
        response.socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n' +
                              'transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n' +
                              `x-huge: ${'t'.repeat(kTrailerBytes)}\r\n\r\n`);
        return undefined;
      default:
        response.writeHead(404, { 'content-type': 'text/plain' });
        return response.end(`plain upstream: nothing at ${request.url}\n`);
    }
  }
}

async function startPlainUpstream(options) {
  return new PlainUpstream(options).start();
}

module.exports = { startPlainUpstream, PlainUpstream, pattern, sseBody, kTrailerBytes };
