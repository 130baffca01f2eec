'use strict';
// The official SDKs, configured the way the tests use them: no retries (a 429 or 5xx must reach
// the test as the first answer, not be retried behind its back) and a bounded timeout.

let OpenAI;
let Anthropic;
try {
  OpenAI = require('openai');
  Anthropic = require('@anthropic-ai/sdk');
} catch (error) {
  throw new Error(`tests/e2e: the npm clients are not installed (${error.message.split('\n')[0]}).\n` +
                  'Run: npm ci --prefix tests/e2e');
}

const kClientTimeoutMs = 10000;
// The key the client itself sends. The gateway replaces it with the backend's key, so it must
// never reach a provider when backend auth is configured.
const kClientKey = 'client-key-that-the-gateway-replaces';

function openaiClient(baseURL) {
  return new OpenAI({ apiKey: kClientKey, baseURL, maxRetries: 0, timeout: kClientTimeoutMs });
}

function anthropicClient(baseURL) {
  return new Anthropic({ apiKey: kClientKey, baseURL, maxRetries: 0, timeout: kClientTimeoutMs });
}

// Reads an OpenAI chat completion stream to its end: the concatenated text, the tool calls
// assembled from their deltas, the finish reason, the usage and every chunk.
async function collectOpenAIStream(stream) {
  const result = { text: '', toolCalls: [], finishReason: null, usage: null, chunks: [] };
  for await (const chunk of stream) {
    result.chunks.push(chunk);
    if (chunk.usage) result.usage = chunk.usage;
    for (const choice of chunk.choices || []) {
      if (typeof choice.delta.content === 'string') result.text += choice.delta.content;
      for (const call of choice.delta.tool_calls || []) {
        const slot = result.toolCalls[call.index] ||= { id: null, name: '', arguments: '' };
        if (call.id) slot.id = call.id;
        if (call.function && call.function.name) slot.name += call.function.name;
        if (call.function && call.function.arguments) slot.arguments += call.function.arguments;
      }
      if (choice.finish_reason) result.finishReason = choice.finish_reason;
    }
  }
  return result;
}

module.exports = {
  OpenAI, Anthropic, openaiClient, anthropicClient, collectOpenAIStream, kClientKey,
  kClientTimeoutMs,
};
