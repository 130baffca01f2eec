'use strict';
// The official `@anthropic-ai/sdk` client (Messages API) against `kubectl agentgateway run` on
// manifests/messages: backends whose policies.ai.routes classify `/v1/messages` as Messages. On
// the OpenAI backend the gateway translates Messages -> Chat Completions and back; on the
// Anthropic backend it passes the request through.

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');

const { startEmulator, manifest } = require('./support/emulator');
const { startFakeProvider, FakeProvider, kToolArguments, kUsage } = require('./support/fake_provider');
const { Anthropic, anthropicClient, kClientKey } = require('./support/clients');
const { kAnthropicWeatherTool, kWeatherTool, kWeatherQuestion, kWeatherResult,
        anthropicToolResultTurn } = require('./support/scenarios');

const kTimeout = { timeout: 20000 };
const kOpenAIKey = 'sk-e2e-openai-messages-3c4d5e6f';
const kAnthropicKey = 'sk-ant-e2e-messages-8a9b0c1d';
const kAnthropicModel = 'claude-sonnet-4-5-20250929';

// The SDK's error class for each status the tests provoke.
const kErrorClass = {
  401: Anthropic.AuthenticationError,
  429: Anthropic.RateLimitError,
  500: Anthropic.InternalServerError,
};

describe('@anthropic-ai/sdk through run on manifests/messages', () => {
  let openaiFake;
  let anthropicFake;
  let emulator;
  let urls;

  before(async () => {
    openaiFake = await startFakeProvider();
    anthropicFake = await startFakeProvider();
    emulator = await startEmulator({
      inputs: [manifest('messages')],
      ports: [8080],
      args: ['--provider-url', `openai=${openaiFake.url}`, '--provider-url', `anthropic=${anthropicFake.url}`],
      env: { OPENAI_API_KEY: kOpenAIKey, ANTHROPIC_API_KEY: kAnthropicKey },
    });
    urls = { openai: `${emulator.urls[8080]}/openai`, anthropic: `${emulator.urls[8080]}/anthropic` };
  }, kTimeout);

  after(async () => {
    if (emulator) {
      await emulator.stop();
      const output = emulator.output();
      for (const key of [kOpenAIKey, kAnthropicKey]) {
        assert.ok(!output.includes(key), `the key ${key} appears in the emulator's output:\n${output}`);
      }
    }
    for (const fake of [openaiFake, anthropicFake]) if (fake) await fake.close();
  }, kTimeout);

  beforeEach(() => {
    openaiFake.reset();
    anthropicFake.reset();
  });

  describe('OpenAI backend: Messages translated to Chat Completions', () => {
    it('answers a Messages request from a Chat Completions upstream', kTimeout, async () => {
      const message = await anthropicClient(urls.openai).messages.create({
        model: 'claude-opus-4-1', max_tokens: 256, system: 'Answer briefly.',
        messages: [{ role: 'user', content: 'Hello from the Anthropic SDK' }],
      });
      assert.equal(message.type, 'message');
      assert.equal(message.role, 'assistant');
      assert.deepEqual(message.content, [{ type: 'text', text: 'echo: Hello from the Anthropic SDK' }]);
      assert.equal(message.stop_reason, 'end_turn');
      assert.equal(message.usage.input_tokens, kUsage.input);
      assert.equal(message.usage.output_tokens, kUsage.output);

      assert.equal(openaiFake.requests.length, 1);
      const sent = openaiFake.last();
      assert.equal(sent.path, '/v1/chat/completions');
      assert.equal(sent.headers.authorization, `Bearer ${kOpenAIKey}`);
      assert.equal(sent.headers['x-api-key'], undefined, 'the client key reached OpenAI');
      assert.equal(sent.body.model, 'gpt-4o-mini');
      assert.equal(sent.body.max_completion_tokens, 256);
      assert.equal(sent.body.stream, false);
      assert.deepEqual(sent.body.messages, [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello from the Anthropic SDK' }] },
      ]);
    });

    it('streams Messages events from a Chat Completions stream', kTimeout, async () => {
      const stream = anthropicClient(urls.openai).messages.stream({
        model: 'claude-opus-4-1', max_tokens: 256,
        messages: [{ role: 'user', content: 'Please stream this sentence back' }],
      });
      const events = [];
      stream.on('streamEvent', (event) => events.push(event.type));
      const final = await stream.finalMessage();
      assert.deepEqual(final.content, [{ type: 'text', text: 'echo: Please stream this sentence back' }]);
      assert.equal(final.stop_reason, 'end_turn');
      assert.equal(final.usage.output_tokens, kUsage.output);
      assert.equal(events[0], 'message_start');
      assert.equal(events[events.length - 1], 'message_stop');
      for (const type of ['content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta']) {
        assert.ok(events.includes(type), `no ${type} in ${events}`);
      }
      assert.ok(events.filter((type) => type === 'content_block_delta').length >= 2, `${events}`);

      const sent = openaiFake.last();
      assert.equal(sent.body.stream, true);
      assert.deepEqual(sent.body.stream_options, { include_usage: true });
    });

    it('round-trips a tool use through tool_calls', kTimeout, async () => {
      const client = anthropicClient(urls.openai);
      const first = await client.messages.create({
        model: 'claude-opus-4-1', max_tokens: 256, tools: [kAnthropicWeatherTool],
        messages: [{ role: 'user', content: kWeatherQuestion }],
      });
      assert.equal(first.stop_reason, 'tool_use');
      const toolUse = first.content.find((block) => block.type === 'tool_use');
      assert.ok(toolUse, JSON.stringify(first.content));
      assert.equal(toolUse.id, 'call_fake_1');
      assert.equal(toolUse.name, 'get_weather');
      assert.deepEqual(toolUse.input, kToolArguments);
      assert.deepEqual(openaiFake.last().body.tools, [kWeatherTool]);

      const second = await client.messages.create({
        model: 'claude-opus-4-1', max_tokens: 256, tools: [kAnthropicWeatherTool],
        messages: anthropicToolResultTurn(toolUse),
      });
      assert.deepEqual(second.content, [{ type: 'text', text: `echo: ${kWeatherQuestion}` }]);
      const history = openaiFake.last().body.messages;
      const assistant = history.find((m) => m.role === 'assistant');
      assert.equal(assistant.tool_calls[0].id, 'call_fake_1');
      assert.equal(assistant.tool_calls[0].function.name, 'get_weather');
      assert.deepEqual(JSON.parse(assistant.tool_calls[0].function.arguments), kToolArguments);
      assert.deepEqual(history.find((m) => m.role === 'tool'),
                       { role: 'tool', tool_call_id: 'call_fake_1', content: kWeatherResult });
    });

    for (const status of [401, 429, 500]) {
      it(`turns an OpenAI ${status} into the Anthropic SDK's ${kErrorClass[status].name}`, kTimeout, async () => {
        openaiFake.failNext(status);
        await assert.rejects(
            anthropicClient(urls.openai).messages.create({
              model: 'claude-opus-4-1', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }],
            }),
            (error) => {
              assert.ok(error instanceof kErrorClass[status], `expected ${kErrorClass[status].name}, got ${error}`);
              assert.equal(error.status, status);
              // The Anthropic error shape: {"type": "error", "error": {"type", "message"}}.
              assert.equal(error.error.type, 'error');
              assert.equal(error.error.error.message, FakeProvider.errorMessage('openai', status));
              return true;
            });
      });
    }
  });

  describe('Anthropic backend: Messages passed through', () => {
    it('forwards the request with x-api-key and the backend model', kTimeout, async () => {
      const message = await anthropicClient(urls.anthropic).messages.create({
        model: 'claude-opus-4-1', max_tokens: 128, messages: [{ role: 'user', content: 'Hi Claude' }],
      });
      assert.deepEqual(message.content, [{ type: 'text', text: 'echo: Hi Claude' }]);
      assert.equal(message.model, kAnthropicModel);
      const sent = anthropicFake.last();
      assert.equal(sent.path, '/v1/messages');
      assert.equal(sent.headers['x-api-key'], kAnthropicKey);
      assert.equal(sent.headers['anthropic-version'], '2023-06-01');
      assert.ok(!JSON.stringify(sent.headers).includes(kClientKey), JSON.stringify(sent.headers));
      assert.deepEqual(sent.body, {
        model: kAnthropicModel, max_tokens: 128, messages: [{ role: 'user', content: 'Hi Claude' }],
      });
    });

    it('streams the provider\'s events', kTimeout, async () => {
      const stream = anthropicClient(urls.anthropic).messages.stream({
        model: 'claude-opus-4-1', max_tokens: 128, messages: [{ role: 'user', content: 'Stream it back to me' }],
      });
      const final = await stream.finalMessage();
      assert.deepEqual(final.content, [{ type: 'text', text: 'echo: Stream it back to me' }]);
      assert.equal(final.usage.output_tokens, kUsage.output);
    });

    it('passes a 429 through as RateLimitError', kTimeout, async () => {
      anthropicFake.failNext(429);
      await assert.rejects(
          anthropicClient(urls.anthropic).messages.create({
            model: 'claude-opus-4-1', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }],
          }),
          (error) => {
            assert.ok(error instanceof Anthropic.RateLimitError, `${error}`);
            assert.equal(error.error.error.type, 'rate_limit_error');
            return true;
          });
    });
  });
});
