'use strict';
// The same client scenarios with `run --mock-providers` and no keys at all: every provider is
// answered in-process in its own wire format (the last user message echoed back), so the request
// and response translations still run end to end without a network or a key.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');

const { startEmulator, example, manifest } = require('./support/emulator');
const { OpenAI, openaiClient, anthropicClient, collectOpenAIStream } = require('./support/clients');
const { kWeatherTool, kAnthropicWeatherTool, kWeatherQuestion, openaiToolResultTurn,
        anthropicToolResultTurn } = require('./support/scenarios');

const kTimeout = { timeout: 20000 };

function assertUsageAddsUp(usage) {
  assert.ok(usage.prompt_tokens > 0, JSON.stringify(usage));
  assert.ok(usage.completion_tokens > 0, JSON.stringify(usage));
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

// Starts `run --mock-providers` on `input` and returns the emulator; the process gets no keys.
async function startMocked(input, port, args = []) {
  const emulator = await startEmulator({ inputs: [input], ports: [port], args: ['--mock-providers', ...args] });
  assert.match(emulator.output(), /AI providers are mocked in-process/);
  return emulator;
}

describe('openai SDK through run --mock-providers on multi-llm-providers', () => {
  let emulator;
  before(async () => {
    emulator = await startMocked(example('multi-llm-providers'), 8080,
                                 ['--gateway-class', 'enterprise-agentgateway']);
  }, kTimeout);
  after(async () => { if (emulator) await emulator.stop(); }, kTimeout);

  for (const route of ['openai', 'anthropic', 'xai']) {
    it(`/${route} answers a chat request with the echo`, kTimeout, async () => {
      const completion = await openaiClient(`${emulator.urls[8080]}/${route}`).chat.completions.create({
        model: 'gpt-4.1', messages: [{ role: 'user', content: `Hello mocked ${route}` }],
      });
      assert.equal(completion.choices[0].message.content, `Hello mocked ${route}`);
      assert.equal(completion.choices[0].finish_reason, 'stop');
      assertUsageAddsUp(completion.usage);
    });

    it(`/${route} streams chunks, usage and the end`, kTimeout, async () => {
      const stream = await openaiClient(`${emulator.urls[8080]}/${route}`).chat.completions.create({
        model: 'gpt-4.1', stream: true, stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'one two three four five six seven eight nine' }],
      });
      const result = await collectOpenAIStream(stream);
      assert.equal(result.text, 'one two three four five six seven eight nine');
      assert.equal(result.finishReason, 'stop');
      assert.ok(result.usage, 'no usage chunk');
      assertUsageAddsUp(result.usage);
      assert.ok(result.chunks.length >= 3, `only ${result.chunks.length} chunks`);
    });
  }

  it('/anthropic accepts a tool round trip (the mock answers in text)', kTimeout, async () => {
    const client = openaiClient(`${emulator.urls[8080]}/anthropic`);
    const first = await client.chat.completions.create({
      model: 'gpt-4.1', tools: [kWeatherTool], messages: [{ role: 'user', content: kWeatherQuestion }],
    });
    assert.equal(first.choices[0].message.content, kWeatherQuestion);
    // The second turn carries an assistant tool call and a tool result through the translation.
    const call = { id: 'call_1', type: 'function',
                   function: { name: 'get_weather', arguments: '{"location":"Paris"}' } };
    const second = await client.chat.completions.create({
      model: 'gpt-4.1', tools: [kWeatherTool], messages: openaiToolResultTurn(call),
    });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.equal(typeof second.choices[0].message.content, 'string');
  });

  it('a path without a route reaches the client as NotFoundError 404', kTimeout, async () => {
    await assert.rejects(
        openaiClient(`${emulator.urls[8080]}/no-such-route`).chat.completions.create({
          model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }],
        }),
        (error) => {
          assert.ok(error instanceof OpenAI.NotFoundError, `${error}`);
          assert.equal(error.status, 404);
          return true;
        });
  });
});

describe('openai SDK through run --mock-providers on gemini-anthropic', () => {
  let emulator;
  before(async () => { emulator = await startMocked(example('gemini-anthropic'), 80); }, kTimeout);
  after(async () => { if (emulator) await emulator.stop(); }, kTimeout);

  for (const route of ['ai/gemini', 'ai/claude']) {
    it(`/${route} answers and streams`, kTimeout, async () => {
      const client = openaiClient(`${emulator.urls[80]}/${route}`);
      const completion = await client.chat.completions.create({
        model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello there' }],
      });
      assert.equal(completion.choices[0].message.content, 'Hello there');
      assertUsageAddsUp(completion.usage);

      const result = await collectOpenAIStream(await client.chat.completions.create({
        model: 'gpt-4.1', stream: true, stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'a stream of several words to echo' }],
      }));
      assert.equal(result.text, 'a stream of several words to echo');
      assert.equal(result.finishReason, 'stop');
      assertUsageAddsUp(result.usage);
    });
  }
});

describe('@anthropic-ai/sdk through run --mock-providers on manifests/messages', () => {
  let emulator;
  before(async () => { emulator = await startMocked(manifest('messages'), 8080); }, kTimeout);
  after(async () => { if (emulator) await emulator.stop(); }, kTimeout);

  for (const route of ['openai', 'anthropic']) {
    it(`/${route} answers Messages requests, streamed and not`, kTimeout, async () => {
      const client = anthropicClient(`${emulator.urls[8080]}/${route}`);
      const message = await client.messages.create({
        model: 'claude-opus-4-1', max_tokens: 64, messages: [{ role: 'user', content: 'Hello Messages' }],
      });
      assert.deepEqual(message.content, [{ type: 'text', text: 'Hello Messages' }]);
      assert.equal(message.stop_reason, 'end_turn');
      assert.ok(message.usage.output_tokens > 0, JSON.stringify(message.usage));

      const final = await client.messages.stream({
        model: 'claude-opus-4-1', max_tokens: 64,
        messages: [{ role: 'user', content: 'several words in a streamed answer' }],
      }).finalMessage();
      assert.deepEqual(final.content, [{ type: 'text', text: 'several words in a streamed answer' }]);
      assert.ok(final.usage.output_tokens > 0, JSON.stringify(final.usage));
    });

    it(`/${route} accepts a tool round trip`, kTimeout, async () => {
      const client = anthropicClient(`${emulator.urls[8080]}/${route}`);
      const toolUse = { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris' } };
      const message = await client.messages.create({
        model: 'claude-opus-4-1', max_tokens: 64, tools: [kAnthropicWeatherTool],
        messages: anthropicToolResultTurn(toolUse),
      });
      assert.equal(message.type, 'message');
      assert.equal(message.stop_reason, 'end_turn');
    });
  }
});
