'use strict';
// The OTLP receiver of support/otlp_receiver.js, tested on its own: ExportTraceServiceRequests
// assembled here byte by byte (with a writer independent of the receiver's reader) are sent as
// gRPC over h2c with Node's http2 client and as an OTLP/HTTP POST, and the decoded spans are
// checked field by field. Run: node --test tests/e2e/otlp_receiver.test.js

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const http2 = require('node:http2');

const { startOtlpReceiver, kExportPath } = require('./support/otlp_receiver');

const kTimeout = { timeout: 20000 };

// ---- a protobuf writer ------------------------------------------------------------------------

function varint(value) {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}
const key = (number, wireType) => varint((number << 3) | wireType);
const bytesField = (number, payload) => {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  return Buffer.concat([key(number, 2), varint(data.length), data]);
};
const varintField = (number, value) => Buffer.concat([key(number, 0), varint(value)]);
const fixed64Field = (number, value) => {
  const data = Buffer.alloc(8);
  data.writeBigUInt64LE(BigInt(value));
  return Buffer.concat([key(number, 1), data]);
};
const fixed32Field = (number, value) => {
  const data = Buffer.alloc(4);
  data.writeUInt32LE(value);
  return Buffer.concat([key(number, 5), data]);
};
const doubleField = (number, value) => {
  const data = Buffer.alloc(8);
  data.writeDoubleLE(value);
  return Buffer.concat([key(number, 1), data]);
};

function anyValue(value) {
  if (typeof value === 'string') return bytesField(1, value);
  if (typeof value === 'boolean') return varintField(2, value ? 1 : 0);
  if (typeof value === 'bigint') return varintField(3, value);
  if (Number.isInteger(value)) return varintField(3, value);
  if (typeof value === 'number') return doubleField(4, value);
  if (Array.isArray(value)) {
    return bytesField(5, Buffer.concat(value.map((v) => bytesField(1, anyValue(v)))));
  }
  return bytesField(6, Buffer.concat(Object.entries(value).map(([k, v]) => bytesField(1, keyValue(k, v)))));
}
const keyValue = (k, v) => Buffer.concat([bytesField(1, k), bytesField(2, anyValue(v))]);

function span({ traceId, spanId, parentSpanId, name, kind, start, end, attributes, status, flags }) {
  const parts = [bytesField(1, Buffer.from(traceId, 'hex')), bytesField(2, Buffer.from(spanId, 'hex'))];
  if (parentSpanId) parts.push(bytesField(4, Buffer.from(parentSpanId, 'hex')));
  parts.push(bytesField(5, name), varintField(6, kind), fixed64Field(7, start), fixed64Field(8, end));
  for (const [k, v] of attributes) parts.push(bytesField(9, keyValue(k, v)));
  const statusParts = [];
  if (status.message) statusParts.push(bytesField(2, status.message));
  if (status.code) statusParts.push(varintField(3, status.code));
  parts.push(bytesField(15, Buffer.concat(statusParts)), fixed32Field(16, flags));
  return Buffer.concat(parts);
}

function exportRequest(resource, spans) {
  const resourceMessage = Buffer.concat(resource.map(([k, v]) => bytesField(1, keyValue(k, v))));
  const scopeSpans = Buffer.concat([bytesField(1, bytesField(1, 'agentgateway')),
                                    ...spans.map((s) => bytesField(2, span(s)))]);
  const resourceSpans = Buffer.concat([bytesField(1, resourceMessage), bytesField(2, scopeSpans)]);
  return bytesField(1, resourceSpans);
}

function grpcFrame(message) {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

const kServerSpan = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '1111111111111111',
  parentSpanId: '00f067aa0ba902b7', name: 'GET /status/*', kind: 2,
  start: 1700000000123456789n, end: 1700000000223456789n,
  attributes: [['http.method', 'GET'], ['http.status', 200], ['negative', -5],
               ['big', 1n << 60n], ['ratio', 0.5], ['flag', true], ['list', ['a', 1]],
               ['map', { k: 'v' }]],
  status: { code: 0, message: '' }, flags: 0x301,
};
const kClientSpan = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '2222222222222222',
  parentSpanId: '1111111111111111', name: 'POST', kind: 3, start: 5n, end: 6n,
  attributes: [['error.type', 'UpstreamFailure']],
  status: { code: 2, message: 'connection refused' }, flags: 0x101,
};
const kResource = [['service.name', 'agentgateway-proxy'], ['telemetry.sdk.language', 'rust']];

// One gRPC call: resolves {status, headers, trailers, body}.
function grpcCall(url, path, body, contentType = 'application/grpc') {
  return new Promise((resolve, reject) => {
    const client = http2.connect(url);
    client.on('error', reject);
    const request = client.request({ ':method': 'POST', ':path': path, 'content-type': contentType,
                                     te: 'trailers' });
    let headers = {};
    let trailers = {};
    const chunks = [];
    request.on('response', (h) => { headers = h; });
    request.on('trailers', (t) => { trailers = t; });
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('error', reject);
    request.on('end', () => {
      client.close();
      resolve({ status: headers[':status'], headers, trailers, body: Buffer.concat(chunks) });
    });
    request.end(body);
  });
}

function httpPost(url, path, body, contentType = 'application/x-protobuf') {
  return new Promise((resolve, reject) => {
    const request = http.request(url + path, {
      method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers,
                                         body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function checkServerSpan(got) {
  assert.equal(got.scope, 'agentgateway');
  assert.equal(got.traceId, kServerSpan.traceId);
  assert.equal(got.spanId, kServerSpan.spanId);
  assert.equal(got.parentSpanId, kServerSpan.parentSpanId);
  assert.equal(got.name, 'GET /status/*');
  assert.equal(got.kind, 2);
  assert.equal(got.startTimeUnixNano, '1700000000123456789');
  assert.equal(got.endTimeUnixNano, '1700000000223456789');
  assert.deepEqual(got.attributes, {
    'http.method': 'GET', 'http.status': 200, negative: -5, big: 1n << 60n, ratio: 0.5,
    flag: true, list: ['a', 1], map: { k: 'v' },
  });
  assert.deepEqual(got.attributeList.map((a) => a.key),
                   ['http.method', 'http.status', 'negative', 'big', 'ratio', 'flag', 'list', 'map']);
  assert.deepEqual(got.status, { code: 0, message: '' });
  assert.equal(got.flags, 0x301);
  assert.deepEqual(got.resource.attributes,
                   { 'service.name': 'agentgateway-proxy', 'telemetry.sdk.language': 'rust' });
}

describe('OTLP receiver', () => {
  let receiver;
  before(async () => { receiver = await startOtlpReceiver(); });
  after(async () => { await receiver.close(); });

  it('decodes a gRPC export over h2c and answers grpc-status 0', kTimeout, async () => {
    const waiting = receiver.waitForSpans(2, 5000);
    const answer = await grpcCall(receiver.url, kExportPath,
                                  grpcFrame(exportRequest(kResource, [kServerSpan, kClientSpan])));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/grpc');
    assert.equal(answer.trailers['grpc-status'], '0');
    assert.deepEqual([...answer.body], [0, 0, 0, 0, 0]);  // an empty ExportTraceServiceResponse
    const spans = await waiting;
    checkServerSpan(spans[0]);
    assert.equal(spans[1].name, 'POST');
    assert.equal(spans[1].kind, 3);
    assert.deepEqual(spans[1].status, { code: 2, message: 'connection refused' });
    assert.equal(spans[1].flags, 0x101);
    const request = receiver.requests.at(-1);
    assert.equal(request.protocol, 'grpc');
    assert.equal(request.path, kExportPath);
    assert.equal(request.headers.te, 'trailers');
  });

  it('decodes an OTLP/HTTP protobuf POST', kTimeout, async () => {
    const before = receiver.spans.length;
    const answer = await httpPost(receiver.url, '/v1/traces', exportRequest(kResource, [kServerSpan]));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/x-protobuf');
    assert.equal(answer.body.length, 0);
    const spans = await receiver.waitForSpans(before + 1, 5000);
    checkServerSpan(spans[before]);
    const request = receiver.requests.at(-1);
    assert.equal(request.protocol, 'http');
    assert.equal(request.path, '/v1/traces');
    assert.equal(request.headers['content-type'], 'application/x-protobuf');
  });

  it('refuses other gRPC methods, content types and malformed bodies', kTimeout, async () => {
    const count = receiver.spans.length;
    const wrongPath = await grpcCall(receiver.url, '/other.Service/Export', grpcFrame(Buffer.alloc(0)));
    assert.equal(wrongPath.status, 200);
    assert.equal(wrongPath.headers['grpc-status'], '12');
    const wrongType = await grpcCall(receiver.url, kExportPath, grpcFrame(Buffer.alloc(0)), 'text/plain');
    assert.equal(wrongType.status, 415);
    const truncated = await grpcCall(receiver.url, kExportPath, Buffer.from([0, 0, 0, 0, 9, 1]));
    assert.equal(truncated.headers['grpc-status'], '13');
    const badHttp = await httpPost(receiver.url, '/v1/traces', Buffer.from([0x0a, 0x05]));
    assert.equal(badHttp.status, 400);
    const jsonHttp = await httpPost(receiver.url, '/v1/traces', Buffer.from('{}'), 'application/json');
    assert.equal(jsonHttp.status, 415);
    assert.equal(receiver.spans.length, count);
    assert.deepEqual(receiver.requests.slice(-5).map((r) => r.error), [
      'unknown method /other.Service/Export', 'content-type text/plain',
      'gRPC message length does not match the body', 'truncated length-delimited field',
      'content-type application/json',
    ]);
  });

  it('waitForSpans rejects after its timeout naming what arrived', kTimeout, async () => {
    const have = receiver.spans.length;
    await assert.rejects(receiver.waitForSpans(have + 1, 100),
                         new RegExp(`^Error: expected ${have + 1} spans within 100 ms, got ${have}`));
  });
});
