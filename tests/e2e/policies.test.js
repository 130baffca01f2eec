'use strict';
// Issue 17: AgentgatewayPolicies enforced by `kubectl agentgateway run`, driven by the official
// `openai` and `@anthropic-ai/sdk` clients (manifests/policies). The fake provider records what
// reaches it, so a masked prompt is checked where it matters: upstream.

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');

const { startEmulator, manifest } = require('./support/emulator');
const { startFakeProvider, kUsage } = require('./support/fake_provider');
const { OpenAI, Anthropic, openaiClient, anthropicClient } = require('./support/clients');

const kTimeout = { timeout: 30000 };
const kOpenAIKey = 'sk-e2e-policies-5e6f7a8b';
const kGuardMessage = 'Requests about launch codes are not allowed';

describe('policies enforced by run on manifests/policies', () => {
  let fake;
  let emulator;
  let base;

  before(async () => {
    fake = await startFakeProvider();
    emulator = await startEmulator({
      inputs: [manifest('policies')],
      ports: [8080],
      args: ['--provider-url', `openai=${fake.url}`],
      env: { OPENAI_API_KEY: kOpenAIKey },
    });
    base = emulator.urls[8080];
  }, kTimeout);

  after(async () => {
    if (emulator) {
      await emulator.stop();
      assert.ok(!emulator.output().includes(kOpenAIKey), 'the key appears in the output');
    }
    if (fake) await fake.close();
  }, kTimeout);

  beforeEach(() => fake.reset());

  it('masks a credit card number before the provider sees the prompt', kTimeout, async () => {
    const client = openaiClient(`${base}/guarded/v1`);
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Charge my card 4111 1111 1111 1111 please' }],
    });
    assert.equal(fake.requests.length, 1);
    const sent = fake.last().body.messages;
    assert.deepEqual(sent, [{ role: 'user', content: 'Charge my card <CREDIT_CARD> please' }]);
    assert.ok(!fake.last().raw.includes('4111'), fake.last().raw);
    assert.equal(completion.choices[0].message.content, 'echo: Charge my card <CREDIT_CARD> please');
  });

  it('rejects a prompt with the configured status and message for the OpenAI client', kTimeout, async () => {
    const client = openaiClient(`${base}/guarded/v1`);
    await assert.rejects(
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'What are the Launch Codes?' }],
      }),
      (error) => {
        assert.ok(error instanceof OpenAI.PermissionDeniedError, String(error));
        assert.equal(error.status, 403);
        // agentgateway sends the rejection's message as the raw body, with no content-type.
        assert.ok(error.message.includes(kGuardMessage), error.message);
        return true;
      });
    assert.equal(fake.requests.length, 0, 'a rejected prompt never reaches the provider');
  });

  it('rejects a prompt with the configured status and message for the Anthropic client', kTimeout, async () => {
    const client = anthropicClient(`${base}/guarded`);
    await assert.rejects(
      client.messages.create({
        model: 'gpt-4o-mini',
        max_tokens: 64,
        system: 'You are terse.',
        messages: [{ role: 'user', content: 'tell me the launch codes' }],
      }),
      (error) => {
        assert.ok(error instanceof Anthropic.PermissionDeniedError, String(error));
        assert.equal(error.status, 403);
        assert.ok(error.message.includes(kGuardMessage), error.message);
        return true;
      });
    assert.equal(fake.requests.length, 0);
    // A clean Messages request on the same route is translated and answered.
    const message = await client.messages.create({
      model: 'gpt-4o-mini',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'card 5500-0000-0000-0004 on file' }],
    });
    assert.deepEqual(fake.last().body.messages.at(-1).content,
                     [{ type: 'text', text: 'card <CREDIT_CARD> on file' }]);
    assert.equal(message.content[0].text, 'echo: card <CREDIT_CARD> on file');
  });

  it('answers 429 once the token budget is spent and recovers after the unit', kTimeout, async () => {
    const client = openaiClient(`${base}/limited/v1`);
    const ask = () => client.chat.completions.create({
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }],
    }).withResponse();
    // 30 tokens a second; each answer costs kUsage.input + kUsage.output = 18. The bucket's
    // one-second grid starts at the policy's first request, so the next two calls fall in the
    // same second as the first (each takes a few milliseconds).
    const first = await ask();
    assert.equal(first.response.headers.get('x-ratelimit-limit'), '30');
    assert.equal(first.response.headers.get('x-ratelimit-remaining'), '30');
    const second = await ask();
    assert.equal(second.response.headers.get('x-ratelimit-remaining'), String(30 - (kUsage.input + kUsage.output)));
    // 30 - 36 < 1: no token left until the next refill.
    await assert.rejects(ask(), (error) => {
      assert.ok(error instanceof OpenAI.RateLimitError, String(error));
      assert.equal(error.status, 429);
      const header = (name) => (typeof error.headers.get === 'function' ? error.headers.get(name)
                                                                          : error.headers[name]);
      assert.equal(header('x-ratelimit-limit'), '30');
      assert.equal(header('x-ratelimit-remaining'), '0');
      assert.ok(error.message.includes('rate limit exceeded'), error.message);
      return true;
    });
    assert.equal(fake.requests.length, 2, 'the refused request never reaches the provider');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const recovered = await ask();
    assert.equal(recovered.data.choices[0].message.content, 'echo: hi');
  });

  it('cuts a streamed answer that a streaming guard rejects', kTimeout, async () => {
    const client = openaiClient(`${base}/streamed/v1`);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', stream: true,
      messages: [{ role: 'user', content: 'my password is hunter2' }],
    });
    const texts = [];
    await assert.rejects((async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0] && chunk.choices[0].delta.content) texts.push(chunk.choices[0].delta.content);
      }
    })(), (error) => {
      // The stream's one frame: {"error":{"type":"guardrail_blocked","code":"guardrail_intervention",...}}
      assert.ok(error instanceof OpenAI.APIError, String(error));
      assert.ok(error.message.includes('The answer mentioned a password'), error.message);
      return true;
    });
    // The whole answer fits in one window: nothing of it reached the client.
    assert.deepEqual(texts, []);
    // A harmless answer streams through unchanged.
    const clean = await client.chat.completions.create({
      model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello there' }],
    });
    let text = '';
    for await (const chunk of clean) {
      if (chunk.choices[0] && chunk.choices[0].delta.content) text += chunk.choices[0].delta.content;
    }
    assert.equal(text, 'echo: hello there');
  });

  // Runs last: the counts are those of the tests above, in order.
  it('counts guard verdicts under agentgateway\'s metric and passes promtool check metrics', kTimeout, async () => {
    const response = await fetch(`${emulator.adminUrl}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    // /guarded runs two request guards per request: masked (Mask, Allow), two rejected
    // (Allow, Reject) and one masked Messages request. Streamed windows record nothing.
    const samples = text.split('\n').filter((line) => line.startsWith('agentgateway_guardrail_checks_total{'));
    assert.deepEqual(samples, [
      'agentgateway_guardrail_checks_total{phase="Request",action="Allow"} 4',
      'agentgateway_guardrail_checks_total{phase="Request",action="Mask"} 2',
      'agentgateway_guardrail_checks_total{phase="Request",action="Reject"} 2',
    ]);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.error, undefined, `promtool: ${check.error}`);
    assert.equal(check.status, 0, `promtool check metrics: ${check.stdout}${check.stderr}`);
  });
});
