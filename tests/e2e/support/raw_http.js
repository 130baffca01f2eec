'use strict';
// HTTP/1.1 over a raw socket (node:net), for requests no HTTP client library would send
// (trailers, contradictory framing, a header byte at a time) and for seeing exactly how an
// answer ends: complete, cut short, or the connection closed.

const net = require('node:net');

const kDefaultTimeoutMs = 10000;

// Parses the HTTP/1.1 response at the front of `buffer`. Null while its head is incomplete;
// otherwise { status, headers (lower-case names, repeated fields joined with ", "), body
// (Buffer), framing ('length' | 'chunked' | 'close' | 'none'), complete, malformed, size (the
// bytes the response took, when complete) }. A close-delimited body is complete only when
// `closed` says the connection has ended.
function parseResponse(buffer, { closed = false, head = false } = {}) {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  const response = { status: statusLine ? Number(statusLine[1]) : 0, statusLine: lines[0],
                     headers: {}, body: Buffer.alloc(0), framing: 'none', complete: false,
                     malformed: !statusLine, size: 0 };
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) { response.malformed = true; continue; }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    response.headers[name] = name in response.headers ? `${response.headers[name]}, ${value}` : value;
  }
  let at = end + 4;
  const noBody = head || response.status === 204 || response.status === 304 ||
                 (response.status >= 100 && response.status < 200);
  if (noBody) {
    response.complete = true;
    response.size = at;
    return response;
  }
  const te = response.headers['transfer-encoding'];
  if (te !== undefined && /(^|,)\s*chunked\s*$/i.test(te)) {
    response.framing = 'chunked';
    const pieces = [];
    for (;;) {
      const lineEnd = buffer.indexOf('\r\n', at);
      if (lineEnd < 0) break;
      const sizeText = buffer.subarray(at, lineEnd).toString('latin1').split(';')[0].trim();
      if (!/^[0-9a-fA-F]+$/.test(sizeText)) { response.malformed = true; break; }
      const size = parseInt(sizeText, 16);
      if (size === 0) {
        const trailerEnd = buffer.indexOf('\r\n\r\n', lineEnd);
        const emptyTrailer = buffer.subarray(lineEnd, lineEnd + 4).toString('latin1') === '\r\n\r\n';
        if (emptyTrailer) {
          response.complete = true;
          response.size = lineEnd + 4;
        } else if (trailerEnd >= 0) {
          response.complete = true;
          response.size = trailerEnd + 4;
        }
        break;
      }
      if (buffer.length < lineEnd + 2 + size + 2) break;
      pieces.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    response.body = Buffer.concat(pieces);
    return response;
  }
  const length = response.headers['content-length'];
  if (length !== undefined) {
    response.framing = 'length';
    const want = Number(length);
    response.body = buffer.subarray(at, Math.min(buffer.length, at + want));
    if (buffer.length >= at + want) {
      response.complete = true;
      response.size = at + want;
    }
    return response;
  }
  response.framing = 'close';
  response.body = buffer.subarray(at);
  response.complete = closed;
  response.size = buffer.length;
  return response;
}

// One client connection to 127.0.0.1:`port`. Requests are written with send(); response()
// waits for the next complete answer (or the connection's end) and consumes it.
class RawConnection {
  static open(port, { timeoutMs = kDefaultTimeoutMs } = {}) {
    return new Promise((resolve, reject) => {
      // No Nagle: a request written a byte at a time leaves a byte at a time.
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to 127.0.0.1:${port} timed out`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    this.closed = false;
    this.error = null;  // ECONNRESET or EPIPE: the server closed with bytes unread
    this.waiters = new Set();
    socket.on('data', (data) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.notify();
    });
    socket.on('error', (error) => {
      this.error = error;
    });
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  notify() {
    for (const waiter of this.waiters) waiter();
  }

  // Resolves when `ready()` is true (checked on every event), rejects after timeoutMs.
  waitFor(ready, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = ready();
        if (value === undefined || value === false) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${what}: nothing after ${timeoutMs} ms (${this.buffer.length} bytes ` +
                         'buffered: ' +
                         `${JSON.stringify(this.buffer.subarray(0, 200).toString('latin1'))})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  // Writes `data`; a write the server refused (it closed first) is not an error here: what it
  // answered before closing is what the tests look at.
  send(data) {
    return new Promise((resolve) => {
      if (this.closed || this.socket.destroyed) return resolve(false);
      this.socket.write(data, (error) => resolve(!error));
    });
  }

  // The next response: complete, or whatever of it came before the connection ended (null if
  // nothing did). { ...parseResponse(), closed } and the raw bytes it took.
  async response({ timeoutMs = kDefaultTimeoutMs, head = false } = {}) {
    const result = await this.waitFor(() => {
      const parsed = parseResponse(this.buffer, { closed: this.closed, head });
      const interim = parsed && parsed.status >= 100 && parsed.status < 200 && parsed.status !== 101;
      if (parsed && parsed.complete && !interim) return { parsed };
      if (parsed && parsed.complete) {  // an interim 1xx: skipped
        this.buffer = this.buffer.subarray(parsed.size);
        return undefined;
      }
      if (this.closed) return { parsed };
      return undefined;
    }, timeoutMs, 'waiting for a response');
    const parsed = result.parsed;
    if (parsed === null) {
      const raw = this.buffer;
      this.buffer = Buffer.alloc(0);
      return { status: 0, headers: {}, body: raw, complete: false, closed: true, raw,
               empty: raw.length === 0 };
    }
    const size = parsed.complete ? parsed.size : this.buffer.length;
    const raw = this.buffer.subarray(0, size);
    this.buffer = this.buffer.subarray(size);
    return { ...parsed, raw, closed: this.closed, empty: false };
  }

  // Whether the server closes the connection within timeoutMs.
  async closedWithin(timeoutMs = kDefaultTimeoutMs) {
    try {
      await this.waitFor(() => this.closed || undefined, timeoutMs, 'waiting for the close');
      return true;
    } catch {
      return false;
    }
  }

  destroy() {
    this.socket.destroy();
  }
}

// Sends `data` on a new connection and returns the first response (see RawConnection.response);
// with `untilClose` it also waits for the server to close the connection and reports whether it
// did (`closed`). The connection is destroyed afterwards.
async function exchange(port, data, { timeoutMs = kDefaultTimeoutMs, untilClose = false } = {}) {
  const connection = await RawConnection.open(port, { timeoutMs });
  try {
    await connection.send(data);
    const response = await connection.response({ timeoutMs });
    if (untilClose) response.closed = await connection.closedWithin(timeoutMs);
    return response;
  } finally {
    connection.destroy();
  }
}

// The port of 'http://127.0.0.1:N'.
function portOf(url) {
  return Number(new URL(url).port);
}

module.exports = { RawConnection, exchange, parseResponse, portOf };
