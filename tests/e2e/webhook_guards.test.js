'use strict';
// Issue 17: webhook prompt guards through `run`. A local guardrail webhook (agentgateway's
// guardrail webhook API) masks, rejects or passes prompts and rewrites answers; the official
// openai client sees the outcome, and the fake provider records what reached it.

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');

const { startEmulator, manifest } = require('./support/emulator');
const { startFakeProvider } = require('./support/fake_provider');
const { OpenAI, openaiClient } = require('./support/clients');

const kTimeout = { timeout: 30000 };
const kOpenAIKey = 'sk-e2e-webhook-9f8e7d6c';

// The guardrail webhook: /request masks "Alice" and rejects "forbidden"; /response upper-cases
// the answer. Every call is recorded with its headers and body.
async function startWebhook() {
  const calls = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      const parsed = JSON.parse(body);
      calls.push({ path: request.url, headers: request.headers, body: parsed });
      let action = {};
      if (request.url === '/request') {
        const messages = parsed.body.messages;
        if (messages.some((m) => m.content.includes('forbidden'))) {
          action = { body: 'blocked by the guardrail webhook', status_code: 422, reason: 'word' };
        } else if (messages.some((m) => m.content.includes('Alice'))) {
          action = { body: { messages: messages.map((m) => ({ role: m.role, content: m.content.replaceAll('Alice', '<NAME>') })) } };
        }
      } else if (request.url === '/response') {
        action = { body: { choices: parsed.body.choices.map((c) => ({ message: { role: c.message.role, content: c.message.content.toUpperCase() } })) } };
      }
      const text = JSON.stringify({ action });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    calls,
    port: server.address().port,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

describe('webhook prompt guards enforced by run on manifests/webhook', () => {
  let fake;
  let webhook;
  let emulator;
  let client;

  before(async () => {
    fake = await startFakeProvider();
    webhook = await startWebhook();
    emulator = await startEmulator({
      inputs: [manifest('webhook')],
      ports: [8080],
      args: ['--provider-url', `openai=${fake.url}`,
             '--service', `e2e-webhook/guardrail-webhook:8000=127.0.0.1:${webhook.port}`],
      env: { OPENAI_API_KEY: kOpenAIKey },
    });
    client = openaiClient(`${emulator.urls[8080]}/v1`);
  }, kTimeout);

  after(async () => {
    if (emulator) {
      await emulator.stop();
      assert.ok(!emulator.output().includes(kOpenAIKey), 'the key appears in the output');
    }
    if (webhook) await webhook.close();
    if (fake) await fake.close();
  }, kTimeout);

  beforeEach(() => { fake.reset(); webhook.calls.length = 0; });

  it('masks the prompt before the provider and rewrites the answer', kTimeout, async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'my name is Alice' }],
    }, { headers: { 'x-user': 'alice', 'x-other': 'kept-here' } });
    assert.deepEqual(fake.last().body.messages, [{ role: 'user', content: 'my name is <NAME>' }]);
    assert.equal(completion.choices[0].message.content, 'ECHO: MY NAME IS <NAME>');
    const [request, response] = webhook.calls;
    assert.equal(request.path, '/request');
    assert.deepEqual(request.body, { body: { messages: [{ role: 'user', content: 'my name is Alice' }] } });
    // forwardHeaderMatches: x-user matched and was forwarded; nothing else of the client's.
    assert.equal(request.headers['x-user'], 'alice');
    assert.equal(request.headers['x-other'], undefined);
    assert.equal(request.headers['authorization'], undefined);
    // The guard's CEL headers, on the client request and its body.
    assert.equal(request.headers['x-model'], 'gpt-4o-mini');
    assert.equal(request.headers['x-caller'], 'user-alice');
    assert.equal(response.path, '/response');
    assert.deepEqual(response.body, { body: { choices: [{ message: { role: 'assistant', content: 'echo: my name is <NAME>' } }] } });
  });

  it('answers the webhook\'s rejection as agentgateway does', kTimeout, async () => {
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a forbidden word' }],
      }),
      (error) => {
        assert.ok(error instanceof OpenAI.UnprocessableEntityError, String(error));
        assert.equal(error.status, 422);
        assert.ok(error.message.includes('blocked by the guardrail webhook'), error.message);
        return true;
      });
    assert.equal(fake.requests.length, 0, 'a rejected prompt never reaches the provider');
  });

  it('fails closed with 503 when the webhook is down', kTimeout, async () => {
    await webhook.close();
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }],
      }),
      (error) => {
        assert.equal(error.status, 503);
        return true;
      });
    assert.equal(fake.requests.length, 0);
    webhook = null;
  });
});
