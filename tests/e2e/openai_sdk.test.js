'use strict';
// The official `openai` npm client against `kubectl agentgateway run` on the tutorial examples,
// with every provider pointed (--provider-url) at a fake that speaks the provider's own wire
// format and records what the gateway sent it.

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');

const { startEmulator, example } = require('./support/emulator');
const { startFakeProvider, FakeProvider, kToolArguments, kUsage } = require('./support/fake_provider');
const { OpenAI, openaiClient, collectOpenAIStream, kClientKey } = require('./support/clients');
const { kWeatherTool, kWeatherQuestion, kWeatherResult, openaiToolResultTurn } = require('./support/scenarios');

const kTimeout = { timeout: 20000 };
const kOpenAIKey = 'sk-e2e-openai-5e1f0c9d';
const kAnthropicKey = 'sk-ant-e2e-anthropic-7a2b3c4d';
const kXaiKey = 'xai-e2e-key-9f8e7d6c';
const kGeminiKey = 'AIzaE2eGeminiKey-1a2b3c';
const kAnthropicModel = 'claude-sonnet-4-5-20250929';

const kExpectedUsage = {
  prompt_tokens: kUsage.input, completion_tokens: kUsage.output,
  total_tokens: kUsage.input + kUsage.output,
};

function assertNoKeyIn(output, keys) {
  for (const key of keys) {
    assert.ok(!output.includes(key), `the key ${key} appears in the emulator's output:\n${output}`);
  }
}

// Asserts that `promise` fails with the OpenAI SDK's APIError for `status`, carrying the
// provider's error message.
async function assertOpenAIError(promise, status, message) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${error}`);
    assert.equal(error.status, status);
    assert.ok(error.message.includes(message), `"${error.message}" lacks "${message}"`);
    return true;
  });
}

describe('openai SDK through run on multi-llm-providers (fake OpenAI, Anthropic and xAI)', () => {
  let openaiFake;
  let anthropicFake;
  let xaiFake;
  let emulator;
  let urls;

  before(async () => {
    openaiFake = await startFakeProvider();
    anthropicFake = await startFakeProvider();
    xaiFake = await startFakeProvider();
    emulator = await startEmulator({
      inputs: [example('multi-llm-providers')],
      ports: [8080],
      args: [
        '--gateway-class', 'enterprise-agentgateway',
        '--provider-url', `openai=${openaiFake.url}`,
        '--provider-url', `anthropic=${anthropicFake.url}`,
        '--provider-url', `agentgateway-system/xai=${xaiFake.url}`,
        // The OpenAI key through --secret; the others through the Secrets' $VAR references.
        '--secret', 'agentgateway-system/openai-secret=E2E_OPENAI_KEY',
      ],
      env: { E2E_OPENAI_KEY: kOpenAIKey, ANTHROPIC_API_KEY: kAnthropicKey, XAI_API_KEY: kXaiKey },
    });
    urls = { openai: `${emulator.urls[8080]}/openai`, anthropic: `${emulator.urls[8080]}/anthropic`,
             xai: `${emulator.urls[8080]}/xai` };
  }, kTimeout);

  after(async () => {
    if (emulator) {
      await emulator.stop();
      assertNoKeyIn(emulator.output(), [kOpenAIKey, kAnthropicKey, kXaiKey]);
    }
    for (const fake of [openaiFake, anthropicFake, xaiFake]) if (fake) await fake.close();
  }, kTimeout);

  beforeEach(() => {
    for (const fake of [openaiFake, anthropicFake, xaiFake]) fake.reset();
  });

  describe('OpenAI backend (/openai)', () => {
    it('answers a chat request with the backend model and the Secret key', kTimeout, async () => {
      const client = openaiClient(urls.openai);
      const completion = await client.chat.completions.create({
        model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello from the OpenAI SDK' }],
      });
      assert.equal(completion.choices[0].message.content, 'echo: Hello from the OpenAI SDK');
      assert.equal(completion.choices[0].finish_reason, 'stop');
      assert.deepEqual(completion.usage, kExpectedUsage);

      assert.equal(openaiFake.requests.length, 1);
      const sent = openaiFake.last();
      assert.equal(sent.path, '/v1/chat/completions');
      assert.equal(sent.headers.authorization, `Bearer ${kOpenAIKey}`);
      assert.equal(sent.body.model, 'gpt-4o-mini');
      assert.deepEqual(sent.body.messages, [{ role: 'user', content: 'Hello from the OpenAI SDK' }]);
    });

    it('streams chunks, the usage chunk and the end of the stream', kTimeout, async () => {
      const client = openaiClient(urls.openai);
      const stream = await client.chat.completions.create({
        model: 'gpt-4.1', stream: true, stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Count from one to five please' }],
      });
      const result = await collectOpenAIStream(stream);
      assert.equal(result.text, 'echo: Count from one to five please');
      assert.equal(result.finishReason, 'stop');
      assert.deepEqual(result.usage, kExpectedUsage);
      assert.ok(result.chunks.length >= 4, `only ${result.chunks.length} chunks`);
      // The usage arrives in its own chunk after the finish reason, as OpenAI sends it.
      assert.deepEqual(result.chunks[result.chunks.length - 1].choices, []);

      const sent = openaiFake.last();
      assert.equal(sent.body.stream, true);
      assert.deepEqual(sent.body.stream_options, { include_usage: true });
    });

    it('round-trips a tool call', kTimeout, async () => {
      const client = openaiClient(urls.openai);
      const first = await client.chat.completions.create({
        model: 'gpt-4.1', tools: [kWeatherTool], messages: [{ role: 'user', content: kWeatherQuestion }],
      });
      const call = first.choices[0].message.tool_calls[0];
      assert.equal(first.choices[0].finish_reason, 'tool_calls');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), kToolArguments);
      assert.deepEqual(openaiFake.last().body.tools, [kWeatherTool]);

      const second = await client.chat.completions.create({
        model: 'gpt-4.1', tools: [kWeatherTool], messages: openaiToolResultTurn(call),
      });
      assert.equal(second.choices[0].message.content, `echo: ${kWeatherQuestion}`);
      const history = openaiFake.last().body.messages;
      assert.deepEqual(history[2], { role: 'tool', tool_call_id: call.id, content: kWeatherResult });
    });

    for (const status of [401, 429, 500]) {
      it(`passes a provider ${status} to the client as APIError ${status}`, kTimeout, async () => {
        openaiFake.failNext(status);
        const client = openaiClient(urls.openai);
        await assertOpenAIError(
            client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }),
            status, FakeProvider.errorMessage('openai', status));
        assert.equal(openaiFake.requests.length, 1, 'the gateway retried the request');
      });
    }
  });

  describe('Anthropic backend (/anthropic): Chat Completions translated to Messages', () => {
    it('sends a Messages request with x-api-key and answers in OpenAI form', kTimeout, async () => {
      const client = openaiClient(urls.anthropic);
      const completion = await client.chat.completions.create({
        model: 'gpt-4.1',
        messages: [{ role: 'system', content: 'Answer briefly.' },
                   { role: 'user', content: 'Hello Claude' }],
      });
      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.id, 'msg_fake');
      assert.equal(completion.model, kAnthropicModel);
      assert.equal(completion.choices[0].message.role, 'assistant');
      assert.equal(completion.choices[0].message.content, 'echo: Hello Claude');
      assert.equal(completion.choices[0].finish_reason, 'stop');
      assert.deepEqual(completion.usage, kExpectedUsage);

      assert.equal(anthropicFake.requests.length, 1);
      const sent = anthropicFake.last();
      assert.equal(sent.path, '/v1/messages');
      assert.equal(sent.headers['x-api-key'], kAnthropicKey);
      assert.equal(sent.headers['anthropic-version'], '2023-06-01');
      assert.equal(sent.headers.authorization, undefined, 'the client key reached Anthropic');
      assert.deepEqual(sent.body, {
        model: kAnthropicModel,
        system: 'Answer briefly.',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello Claude' }] }],
        max_tokens: 4096,
      });
    });

    it('streams OpenAI chunks with usage and the end of the stream', kTimeout, async () => {
      const client = openaiClient(urls.anthropic);
      const stream = await client.chat.completions.create({
        model: 'gpt-4.1', stream: true, stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Tell me a very short story please' }],
      });
      const result = await collectOpenAIStream(stream);
      assert.equal(result.text, 'echo: Tell me a very short story please');
      assert.equal(result.finishReason, 'stop');
      assert.deepEqual(
          { prompt_tokens: result.usage.prompt_tokens, completion_tokens: result.usage.completion_tokens,
            total_tokens: result.usage.total_tokens },
          kExpectedUsage);
      assert.ok(result.chunks.length >= 3, `only ${result.chunks.length} chunks`);
      assert.equal(result.chunks[0].choices[0].delta.role, 'assistant');
      for (const chunk of result.chunks) assert.equal(chunk.object, 'chat.completion.chunk');

      const sent = anthropicFake.last();
      assert.equal(sent.body.stream, true);
      assert.equal(sent.body.stream_options, undefined);
    });

    it('round-trips a tool call through tool_use and tool_result', kTimeout, async () => {
      const client = openaiClient(urls.anthropic);
      const first = await client.chat.completions.create({
        model: 'gpt-4.1', tools: [kWeatherTool], messages: [{ role: 'user', content: kWeatherQuestion }],
      });
      assert.equal(first.choices[0].finish_reason, 'tool_calls');
      const call = first.choices[0].message.tool_calls[0];
      assert.equal(call.type, 'function');
      assert.equal(call.id, 'toolu_fake_1');
      assert.equal(call.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(call.function.arguments), kToolArguments);
      assert.deepEqual(anthropicFake.last().body.tools, [{
        name: 'get_weather', description: kWeatherTool.function.description,
        input_schema: kWeatherTool.function.parameters,
      }]);

      const second = await client.chat.completions.create({
        model: 'gpt-4.1', tools: [kWeatherTool], messages: openaiToolResultTurn(call),
      });
      assert.equal(second.choices[0].message.content, `echo: ${kWeatherQuestion}`);
      assert.equal(second.choices[0].finish_reason, 'stop');
      const history = anthropicFake.last().body.messages;
      assert.deepEqual(history.slice(1), [
        { role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_fake_1', name: 'get_weather', input: kToolArguments }] },
        { role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_fake_1', content: kWeatherResult }] },
      ]);
    });

    it('streams a tool call as tool_calls deltas', kTimeout, async () => {
      const client = openaiClient(urls.anthropic);
      const stream = await client.chat.completions.create({
        model: 'gpt-4.1', stream: true, tools: [kWeatherTool],
        messages: [{ role: 'user', content: kWeatherQuestion }],
      });
      const result = await collectOpenAIStream(stream);
      assert.equal(result.finishReason, 'tool_calls');
      assert.equal(result.toolCalls.length, 1);
      assert.equal(result.toolCalls[0].id, 'toolu_fake_1');
      assert.equal(result.toolCalls[0].name, 'get_weather');
      assert.deepEqual(JSON.parse(result.toolCalls[0].arguments), kToolArguments);
    });

    for (const status of [401, 429, 500]) {
      it(`turns an Anthropic ${status} into an OpenAI APIError ${status}`, kTimeout, async () => {
        anthropicFake.failNext(status);
        const client = openaiClient(urls.anthropic);
        const message = FakeProvider.errorMessage('anthropic', status);
        await assert.rejects(
            client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }),
            (error) => {
              assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${error}`);
              assert.equal(error.status, status);
              // The OpenAI error shape: {"error": {"type", "message"}}.
              assert.equal(error.error.message, message);
              assert.equal(typeof error.error.type, 'string');
              return true;
            });
      });
    }
  });

  describe('xAI backend (/xai): an OpenAI-compatible provider with host and path overrides', () => {
    it('sends the configured path with its own key', kTimeout, async () => {
      const client = openaiClient(urls.xai);
      const completion = await client.chat.completions.create({
        model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hello Grok' }],
      });
      assert.equal(completion.choices[0].message.content, 'echo: Hello Grok');
      const sent = xaiFake.last();
      assert.equal(sent.path, '/v1/chat/completions');
      assert.equal(sent.headers.authorization, `Bearer ${kXaiKey}`);
      assert.equal(sent.body.model, 'grok-4-1-fast-reasoning');
      assert.equal(openaiFake.requests.length, 0);
    });
  });

  it('never forwards the client\'s own key when the backend has auth', kTimeout, async () => {
    await openaiClient(urls.openai).chat.completions.create({
      model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }],
    });
    await openaiClient(urls.anthropic).chat.completions.create({
      model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }],
    });
    for (const request of [...openaiFake.requests, ...anthropicFake.requests]) {
      assert.ok(!JSON.stringify(request.headers).includes(kClientKey), JSON.stringify(request.headers));
    }
  });
});

describe('openai SDK through run on gemini-anthropic (fake Gemini)', () => {
  let geminiFake;
  let emulator;
  let baseURL;

  before(async () => {
    geminiFake = await startFakeProvider();
    emulator = await startEmulator({
      inputs: [example('gemini-anthropic')],
      ports: [80],
      args: ['--provider-url', `gemini=${geminiFake.url}`],
      env: { GEMINI_API_KEY: kGeminiKey },
    });
    baseURL = `${emulator.urls[80]}/ai/gemini`;
  }, kTimeout);

  after(async () => {
    if (emulator) {
      await emulator.stop();
      assertNoKeyIn(emulator.output(), [kGeminiKey]);
    }
    if (geminiFake) await geminiFake.close();
  }, kTimeout);

  beforeEach(() => geminiFake.reset());

  it('renders a chat request as generateContent with x-goog-api-key', kTimeout, async () => {
    const completion = await openaiClient(baseURL).chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hello Gemini' }],
    });
    assert.equal(completion.choices[0].message.content, 'echo: Hello Gemini');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.deepEqual(completion.usage, kExpectedUsage);

    const sent = geminiFake.last();
    assert.equal(sent.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers['x-goog-api-key'], kGeminiKey);
    assert.equal(sent.headers.authorization, undefined);
    assert.deepEqual(sent.body.contents, [{ role: 'user', parts: [{ text: 'Hello Gemini' }] }]);
    assert.deepEqual(sent.body.systemInstruction, { parts: [{ text: 'Be terse.' }] });
  });

  it('streams through streamGenerateContent?alt=sse with usage and the end', kTimeout, async () => {
    const stream = await openaiClient(baseURL).chat.completions.create({
      model: 'gpt-4.1', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Stream a few words back to me' }],
    });
    const result = await collectOpenAIStream(stream);
    assert.equal(result.text, 'echo: Stream a few words back to me');
    assert.equal(result.finishReason, 'stop');
    assert.deepEqual(
        { prompt_tokens: result.usage.prompt_tokens, completion_tokens: result.usage.completion_tokens,
          total_tokens: result.usage.total_tokens },
        kExpectedUsage);
    assert.ok(result.chunks.length >= 3, `only ${result.chunks.length} chunks`);
    assert.equal(geminiFake.last().path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('round-trips a tool call through functionCall and functionResponse', kTimeout, async () => {
    const client = openaiClient(baseURL);
    const first = await client.chat.completions.create({
      model: 'gpt-4.1', tools: [kWeatherTool], messages: [{ role: 'user', content: kWeatherQuestion }],
    });
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), kToolArguments);
    assert.equal(geminiFake.last().body.tools[0].functionDeclarations[0].name, 'get_weather');

    const second = await client.chat.completions.create({
      model: 'gpt-4.1', tools: [kWeatherTool], messages: openaiToolResultTurn(call),
    });
    assert.equal(second.choices[0].message.content, `echo: ${kWeatherQuestion}`);
    const parts = geminiFake.last().body.contents.flatMap((content) => content.parts);
    assert.ok(parts.some((part) => part.functionCall && part.functionCall.name === 'get_weather'),
              JSON.stringify(parts));
    assert.ok(parts.some((part) => part.functionResponse), JSON.stringify(parts));
  });

  for (const status of [401, 429, 500]) {
    it(`turns a Google ${status} into an OpenAI APIError ${status}`, kTimeout, async () => {
      geminiFake.failNext(status);
      await assertOpenAIError(
          openaiClient(baseURL).chat.completions.create({
            model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }],
          }),
          status, FakeProvider.errorMessage('gemini', status));
    });
  }
});
