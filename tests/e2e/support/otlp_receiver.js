'use strict';
// An OTLP trace collector on 127.0.0.1 (port 0) for the tracing tests, speaking both protocols of
// AgentgatewayPolicy `frontend.tracing` on one port (the first bytes of a connection pick):
//   gRPC over h2c    POST /opentelemetry.proto.collector.trace.v1.TraceService/Export,
//                    content-type application/grpc, one length-prefixed ExportTraceServiceRequest;
//                    answered with an empty ExportTraceServiceResponse and grpc-status 0 trailers
//                    (grpc-status 12 for another path, 415 for another content-type).
//   OTLP/HTTP        POST <any path> with Content-Type application/x-protobuf (the path is
//                    recorded: agentgateway's default is /v1/traces); answered 200 with an empty
//                    ExportTraceServiceResponse.
// Requests are decoded with the small protobuf reader below (opentelemetry-proto field numbers)
// into plain objects:
//   { protocol: 'grpc'|'http', path, headers,
//     resource: { attributes: {key: value} , attributeList: [{key, value}] },
//     spans: [{ scope, name, kind, traceId, spanId, parentSpanId (hex, '' if none), traceState,
//               startTimeUnixNano, endTimeUnixNano (decimal strings), attributes: {key: value},
//               attributeList: [{key, value}] (wire order), status: {code, message}, flags }] }
// Attribute values: strings, booleans, numbers (int64 beyond 2^53 as BigInt), doubles,
// arrays and {key: value} objects for array/kvlist values, Buffers for bytes.
// Bounded: request bodies up to 16 MiB, at most 100,000 spans kept, AnyValue nesting up to 32.

const http = require('node:http');
const http2 = require('node:http2');
const net = require('node:net');

const kExportPath = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const kMaxBodyBytes = 16 * 1024 * 1024;
const kMaxSpans = 100000;
const kMaxDepth = 32;

// ---- protobuf reader --------------------------------------------------------------------------

class ProtoError extends Error {}

// Splits a message into [{number, wireType, value}] in wire order: value is a BigInt for varint,
// fixed64 and fixed32 fields, a Buffer for length-delimited ones.
function readFields(buffer) {
  const fields = [];
  let at = 0;
  const varint = () => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (at >= buffer.length) throw new ProtoError('truncated varint');
      const byte = buffer[at++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtoError('varint longer than ten bytes');
  };
  while (at < buffer.length) {
    const key = varint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    let value;
    if (wireType === 0) {
      value = varint();
    } else if (wireType === 1 || wireType === 5) {
      const size = wireType === 1 ? 8 : 4;
      if (buffer.length - at < size) throw new ProtoError('truncated fixed field');
      value = size === 8 ? buffer.readBigUInt64LE(at) : BigInt(buffer.readUInt32LE(at));
      value = { integer: value, raw: buffer.subarray(at, at + size) };
      at += size;
    } else if (wireType === 2) {
      const size = Number(varint());
      if (buffer.length - at < size) throw new ProtoError('truncated length-delimited field');
      value = buffer.subarray(at, at + size);
      at += size;
    } else {
      throw new ProtoError(`unsupported wire type ${wireType}`);
    }
    fields.push({ number, wireType, value });
  }
  return fields;
}

const fixedInteger = (value) => (typeof value === 'bigint' ? value : value.integer);

function int64(value) {
  const signed = BigInt.asIntN(64, value);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(signed) : signed;
}

function decodeAnyValue(buffer, depth) {
  if (depth > kMaxDepth) throw new ProtoError('AnyValue nested too deeply');
  let result;
  for (const field of readFields(buffer)) {
    switch (field.number) {
      case 1: result = field.value.toString('utf8'); break;
      case 2: result = field.value !== 0n; break;
      case 3: result = int64(field.value); break;
      case 4: result = field.value.raw.readDoubleLE(0); break;
      case 5:
        result = readFields(field.value).filter((f) => f.number === 1)
          .map((f) => decodeAnyValue(f.value, depth + 1));
        break;
      case 6: result = decodeKeyValues(readFields(field.value), 1, depth + 1).attributes; break;
      case 7: result = Buffer.from(field.value); break;
      default: break;
    }
  }
  return result;
}

// The KeyValue fields numbered `number`: {attributes: {key: value}, attributeList}.
function decodeKeyValues(fields, number, depth = 0) {
  const attributes = {};
  const attributeList = [];
  for (const field of fields) {
    if (field.number !== number) continue;
    let key = '';
    let value;
    for (const part of readFields(field.value)) {
      if (part.number === 1) key = part.value.toString('utf8');
      if (part.number === 2) value = decodeAnyValue(part.value, depth + 1);
    }
    attributes[key] = value;
    attributeList.push({ key, value });
  }
  return { attributes, attributeList };
}

function decodeSpan(buffer, scope) {
  const span = {
    scope, name: '', kind: 0, traceId: '', spanId: '', parentSpanId: '', traceState: '',
    startTimeUnixNano: '0', endTimeUnixNano: '0', attributes: {}, attributeList: [],
    status: null, flags: 0,
  };
  const fields = readFields(buffer);
  for (const field of fields) {
    switch (field.number) {
      case 1: span.traceId = field.value.toString('hex'); break;
      case 2: span.spanId = field.value.toString('hex'); break;
      case 3: span.traceState = field.value.toString('utf8'); break;
      case 4: span.parentSpanId = field.value.toString('hex'); break;
      case 5: span.name = field.value.toString('utf8'); break;
      case 6: span.kind = Number(field.value); break;
      case 7: span.startTimeUnixNano = fixedInteger(field.value).toString(); break;
      case 8: span.endTimeUnixNano = fixedInteger(field.value).toString(); break;
      case 15: {
        span.status = { code: 0, message: '' };
        for (const part of readFields(field.value)) {
          if (part.number === 2) span.status.message = part.value.toString('utf8');
          if (part.number === 3) span.status.code = Number(part.value);
        }
        break;
      }
      case 16: span.flags = Number(fixedInteger(field.value)); break;
      default: break;
    }
  }
  Object.assign(span, decodeKeyValues(fields, 9));
  return span;
}

// ExportTraceServiceRequest -> {resource, spans} (the resource of the last ResourceSpans).
function decodeExportRequest(buffer) {
  const result = { resource: { attributes: {}, attributeList: [] }, spans: [] };
  for (const resourceSpans of readFields(buffer)) {
    if (resourceSpans.number !== 1) continue;
    for (const field of readFields(resourceSpans.value)) {
      if (field.number === 1) {
        result.resource = decodeKeyValues(readFields(field.value), 1);
      } else if (field.number === 2) {
        let scope = '';
        for (const part of readFields(field.value)) {
          if (part.number === 1) {
            for (const s of readFields(part.value)) if (s.number === 1) scope = s.value.toString('utf8');
          } else if (part.number === 2) {
            result.spans.push(decodeSpan(part.value, scope));
          }
        }
      }
    }
  }
  return result;
}

// The message of a gRPC Length-Prefixed-Message body.
function grpcUnframe(body) {
  if (body.length < 5) throw new ProtoError('gRPC body shorter than its prefix');
  if (body[0] !== 0) throw new ProtoError('compressed gRPC message');
  const size = body.readUInt32BE(1);
  if (body.length !== 5 + size) throw new ProtoError('gRPC message length does not match the body');
  return body.subarray(5);
}

function grpcFrame(message) {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

// ---- the receiver -----------------------------------------------------------------------------

class OtlpReceiver {
  constructor() {
    this.requests = [];  // every request seen, decoded or with its error
    this.spans = [];
    this.droppedSpans = 0;
    this.waiters = [];
    this.sockets = new Set();
    this.h2 = http2.createServer();
    this.h2.on('stream', (stream, headers) => this.handleGrpc(stream, headers));
    this.h2.on('sessionError', () => {});
    this.h1 = http.createServer((request, response) => this.handleHttp(request, response));
    // Keep idle connections for two minutes: Node's default of 5 s equals the exporter's
    // scheduled delay, so a kept-alive connection could close just as the next export reuses it.
    this.h1.keepAliveTimeout = 120000;
    this.h1.headersTimeout = 130000;
    this.h1.requestTimeout = 0;
    // One port for both: an HTTP/2 connection preface starts "PRI * HTTP/2.0".
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {});
      socket.once('readable', () => {
        const head = socket.read(3) || socket.read();
        if (head === null) return;
        socket.unshift(head);
        (head.toString('latin1') === 'PRI' ? this.h2 : this.h1).emit('connection', socket);
      });
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = this.server.address().port;
    this.url = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async close() {
    for (const socket of this.sockets) socket.destroy();
    for (const waiter of this.waiters) waiter.reject(new Error('the OTLP receiver was closed'));
    this.waiters = [];
    await new Promise((resolve) => this.server.close(resolve));
  }

  // Resolves with the spans received so far once there are at least `n`.
  waitForSpans(n, timeoutMs = 10000) {
    if (this.spans.length >= n) return Promise.resolve(this.spans.slice());
    return new Promise((resolve, reject) => {
      const waiter = { n, resolve, reject };
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`expected ${n} spans within ${timeoutMs} ms, got ${this.spans.length}: ` +
                         JSON.stringify(this.spans.map((s) => s.name))));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  record(entry, decoded) {
    this.requests.push(entry);
    if (this.requests.length > 1000) this.requests.shift();
    if (!decoded) return;
    for (const span of decoded.spans) {
      if (this.spans.length >= kMaxSpans) {
        ++this.droppedSpans;
      } else {
        span.resource = decoded.resource;
        this.spans.push(span);
      }
    }
    for (const waiter of this.waiters.slice()) {
      if (this.spans.length >= waiter.n) {
        clearTimeout(waiter.timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(this.spans.slice());
      }
    }
  }

  // Reads a body up to kMaxBodyBytes; calls done(buffer) or done(null) when it is too large.
  static readBody(stream, done) {
    const chunks = [];
    let size = 0;
    let over = false;
    stream.on('data', (chunk) => {
      size += chunk.length;
      if (size > kMaxBodyBytes) over = true;
      if (!over) chunks.push(chunk);
    });
    stream.on('error', () => {});
    stream.on('end', () => done(over ? null : Buffer.concat(chunks)));
  }

  handleGrpc(stream, headers) {
    const path = headers[':path'];
    const contentType = String(headers['content-type'] || '');
    const trailersOnly = (status, message) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(status),
                       'grpc-message': encodeURIComponent(message) }, { endStream: true });
    };
    stream.on('error', () => {});
    OtlpReceiver.readBody(stream, (body) => {
      const entry = { protocol: 'grpc', path, headers: { ...headers } };
      if (!/^application\/grpc(\+|;|$)/i.test(contentType)) {
        this.record({ ...entry, error: `content-type ${contentType}` });
        stream.respond({ ':status': 415 }, { endStream: true });
        return;
      }
      if (path !== kExportPath) {
        this.record({ ...entry, error: `unknown method ${path}` });
        trailersOnly(12, `unknown method ${path}`);
        return;
      }
      if (body === null) {
        this.record({ ...entry, error: 'body too large' });
        trailersOnly(8, 'request too large');
        return;
      }
      let decoded;
      try {
        decoded = decodeExportRequest(grpcUnframe(body));
      } catch (error) {
        this.record({ ...entry, error: error.message });
        trailersOnly(13, error.message);
        return;
      }
      this.record({ ...entry, ...decoded }, decoded);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(grpcFrame(Buffer.alloc(0)));
    });
  }

  handleHttp(request, response) {
    const contentType = String(request.headers['content-type'] || '');
    OtlpReceiver.readBody(request, (body) => {
      const entry = { protocol: 'http', path: request.url, method: request.method,
                      headers: { ...request.headers } };
      const answer = (status, text) => {
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(text);
      };
      if (request.method !== 'POST') {
        this.record({ ...entry, error: `method ${request.method}` });
        answer(405, 'method not allowed');
        return;
      }
      if (!/^application\/x-protobuf/i.test(contentType)) {
        this.record({ ...entry, error: `content-type ${contentType}` });
        answer(415, 'unsupported content-type');
        return;
      }
      if (body === null) {
        this.record({ ...entry, error: 'body too large' });
        answer(413, 'request too large');
        return;
      }
      let decoded;
      try {
        decoded = decodeExportRequest(body);
      } catch (error) {
        this.record({ ...entry, error: error.message });
        answer(400, error.message);
        return;
      }
      this.record({ ...entry, ...decoded }, decoded);
      response.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      response.end();
    });
  }
}

async function startOtlpReceiver() {
  return new OtlpReceiver().start();
}

module.exports = {
  startOtlpReceiver, OtlpReceiver, decodeExportRequest, readFields, grpcFrame, grpcUnframe,
  kExportPath,
};
