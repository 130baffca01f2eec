'use strict';
// Issue 17: `run` exports agentgateway's spans over OTLP gRPC to the collector a tracing policy
// names (here a local receiver mapped with --service), with the gen_ai attributes of an LLM
// exchange, and applies the access-log policy's filter and added field.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startEmulator, manifest } = require('./support/emulator');
const { startFakeProvider } = require('./support/fake_provider');
const { openaiClient } = require('./support/clients');
const { startOtlpReceiver } = require('./support/otlp_receiver');

const kTimeout = { timeout: 30000 };
const kOpenAIKey = 'sk-e2e-tracing-1a2b3c4d';

describe('tracing and access-log policies enforced by run on manifests/tracing', () => {
  let fake;
  let receiver;
  let emulator;
  let base;

  before(async () => {
    fake = await startFakeProvider();
    receiver = await startOtlpReceiver();
    emulator = await startEmulator({
      inputs: [manifest('tracing')],
      ports: [8080],
      args: ['--provider-url', `openai=${fake.url}`,
             '--service', `e2e-tracing/otel-collector:4317=127.0.0.1:${receiver.port}`],
      // The batch processor's delay (the SDK's OTEL_BSP_SCHEDULE_DELAY), short for the test.
      env: { OPENAI_API_KEY: kOpenAIKey, OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
    base = emulator.urls[8080];
  }, kTimeout);

  after(async () => {
    if (emulator) {
      await emulator.stop();
      assert.ok(!emulator.output().includes(kOpenAIKey), 'the key appears in the output');
    }
    if (receiver) await receiver.close();
    if (fake) await fake.close();
  }, kTimeout);

  it('exports a server span with the gen_ai attributes over OTLP gRPC', kTimeout, async () => {
    const client = openaiClient(`${base}/v1`);
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'trace me' }],
    }, { headers: { 'x-tier': 'gold' } });
    assert.equal(completion.choices[0].message.content, 'echo: trace me');
    const spans = await receiver.waitForSpans(2, 15000);
    const server = spans.find((span) => span.kind === 2);
    assert.ok(server, JSON.stringify(spans));
    assert.equal(server.name, 'POST /v1/*');
    const attributes = server.attributes;
    assert.equal(attributes['gateway'], 'e2e-tracing/gateway');
    assert.equal(attributes['route'], 'e2e-tracing/chat');
    assert.equal(attributes['route_rule'], 'completions');
    assert.equal(attributes['http.method'], 'POST');
    assert.equal(attributes['http.path'], '/v1/chat/completions');
    assert.equal(attributes['http.status'], 200);
    assert.equal(attributes['url.scheme'], 'http');
    assert.equal(attributes['gen_ai.operation.name'], 'chat');
    assert.equal(attributes['gen_ai.provider.name'], 'openai');
    assert.equal(attributes['gen_ai.request.model'], 'gpt-4o-mini');
    assert.equal(typeof attributes['gen_ai.usage.input_tokens'], 'number');
    assert.equal(typeof attributes['gen_ai.usage.output_tokens'], 'number');
    assert.equal(attributes['custom'], 'literal');
    assert.equal(attributes['client.tier'], 'gold');
    // The CLIENT span of the provider call is the server span's child, and the provider got
    // its context in traceparent.
    const upstream = spans.find((span) => span.kind === 3);
    assert.ok(upstream, JSON.stringify(spans));
    assert.equal(upstream.traceId, server.traceId);
    assert.equal(upstream.parentSpanId, server.spanId);
    const traceparent = fake.last().headers['traceparent'];
    assert.equal(traceparent, `00-${server.traceId}-${upstream.spanId}-01`);
    // The resource: the Gateway's name as service.name, and the policy's resources.
    assert.equal(server.resource.attributes['service.name'], 'gateway');
    assert.equal(server.resource.attributes['deployment.environment.name'], 'e2e');
    const request = receiver.requests.find((entry) => entry.protocol === 'grpc');
    assert.ok(request, JSON.stringify(receiver.requests.map((entry) => entry.protocol)));
    assert.equal(request.path, '/opentelemetry.proto.collector.trace.v1.TraceService/Export');
  });

  it('continues a client trace and logs only what the access-log filter keeps', kTimeout, async () => {
    const before = receiver.spans.length;
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await fetch(`${base}/nowhere`, { headers: { traceparent: parent, 'x-tier': 'free' } });
    assert.equal(response.status, 404);
    const spans = await receiver.waitForSpans(before + 1, 15000);
    const server = spans.slice(before).find((span) => span.kind === 2);
    assert.equal(server.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(server.parentSpanId, 'b7ad6b7169203331');
    assert.equal(server.name, 'unknown');
    assert.equal(server.attributes['http.status'], 404);
    // The 200 above was filtered out of the access log; the 404 is in it, with the added field.
    // Log lines leave in batches: wait for this one.
    for (let i = 0; i < 50 && !emulator.stdout().includes('"GET /nowhere"'); ++i) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const lines = emulator.stdout().split('\n');
    assert.ok(!lines.some((line) => line.includes('"POST /v1/chat/completions"')), emulator.stdout());
    const line = lines.find((entry) => entry.includes('"GET /nowhere"'));
    assert.ok(line, emulator.stdout());
    assert.ok(line.endsWith(' tier=free'), line);
  });
});
