// Writes the fixed bodies of bench/llm_bench.sh into bench/llm/bodies/: OpenAI chat requests
// (plain and "stream": true) and the answers a fast fake upstream returns for them, in OpenAI
// and Anthropic format, as one JSON document or as an SSE stream of several events. Each file
// is padded to its size class (1 KB or 16 KB) so the cells compare like with like. The output
// is deterministic; run `node bench/llm/make_bodies.js` after changing it and commit the files.
'use strict';
const fs = require('fs');
const path = require('path');

const kSizes = {'1k': 1024, '16k': 16384};
// An OpenAI chunk's envelope alone is ~240 bytes: a 1 KB stream with several events would carry
// almost no text, so the small streams get 1.5 KB.
const kStreamSizes = {'1k': 1536, '16k': 16384};
// Content events per stream: enough that a translator has several events to carry over.
// (1 KB leaves room for two next to the envelope events of a stream.)
const kStreamEvents = {'1k': 2, '16k': 32};
const kOpenAiModel = 'gpt-4o-mini-2024-07-18';
const kAnthropicModel = 'claude-sonnet-4-5-20250929';
const kCreated = 1700000000;

function Text(length) {
  const sentence = 'The quick brown fox jumps over the lazy dog. ';
  return sentence.repeat(Math.ceil(length / sentence.length) + 1).slice(0, length);
}

// Splits `text` into `count` pieces of nearly equal length.
function Pieces(text, count) {
  const pieces = [];
  const size = Math.ceil(text.length / count);
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}

// The rendering of the longest text that keeps it within `target` bytes. A rendering grows
// byte for byte with its (ASCII, unescaped) text, give or take a digit of the token counts.
function Padded(target, render) {
  const Size = (length) => Buffer.byteLength(render(Text(length)));
  let length = Math.max(1, target - (Size(100) - 100));
  while (length > 1 && Size(length) > target) length -= 1;
  while (Size(length + 1) <= target) length += 1;
  return render(Text(length));
}

function Tokens(text) {
  return Math.max(1, Math.round(text.length / 4));
}

function Request(stream) {
  return (text) => JSON.stringify({
    model: 'gpt-4o-mini',
    max_tokens: 1024,
    ...(stream ? {stream: true} : {}),
    messages: [
      {role: 'system', content: 'You are the far end of a benchmark.'},
      {role: 'user', content: text},
    ],
  });
}

function OpenAiJson(text) {
  return JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: kCreated,
    model: kOpenAiModel,
    choices: [{
      index: 0,
      message: {role: 'assistant', content: text, refusal: null},
      logprobs: null,
      finish_reason: 'stop',
    }],
    usage: {prompt_tokens: 20, completion_tokens: Tokens(text), total_tokens: 20 + Tokens(text)},
    system_fingerprint: 'fp_bench',
  });
}

function OpenAiChunk(choices, usage) {
  return 'data: ' + JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: kCreated,
    model: kOpenAiModel,
    system_fingerprint: 'fp_bench',
    choices,
    usage,
  }) + '\n\n';
}

function OpenAiSse(events) {
  return (text) => {
    const content = Pieces(text, events).map(
        (piece) => OpenAiChunk([{index: 0, delta: {content: piece}, logprobs: null,
                                 finish_reason: null}], null));
    return OpenAiChunk([{index: 0, delta: {role: 'assistant', content: ''}, logprobs: null,
                         finish_reason: null}], null) +
        content.join('') +
        OpenAiChunk([{index: 0, delta: {}, logprobs: null, finish_reason: 'stop'}], null) +
        OpenAiChunk([], {prompt_tokens: 20, completion_tokens: Tokens(text),
                         total_tokens: 20 + Tokens(text)}) +
        'data: [DONE]\n\n';
  };
}

function AnthropicJson(text) {
  return JSON.stringify({
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    model: kAnthropicModel,
    content: [{type: 'text', text}],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: {input_tokens: 20, output_tokens: Tokens(text)},
  });
}

function AnthropicEvent(name, data) {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function AnthropicSse(events) {
  return (text) => {
    const deltas = Pieces(text, events).map(
        (piece) => AnthropicEvent('content_block_delta', {
          type: 'content_block_delta', index: 0, delta: {type: 'text_delta', text: piece}}));
    return AnthropicEvent('message_start', {
             type: 'message_start',
             message: {id: 'msg_bench', type: 'message', role: 'assistant', model: kAnthropicModel,
                       content: [], stop_reason: null, stop_sequence: null,
                       usage: {input_tokens: 20, output_tokens: 1}},
           }) +
        AnthropicEvent('content_block_start', {
          type: 'content_block_start', index: 0, content_block: {type: 'text', text: ''}}) +
        AnthropicEvent('ping', {type: 'ping'}) +
        deltas.join('') +
        AnthropicEvent('content_block_stop', {type: 'content_block_stop', index: 0}) +
        AnthropicEvent('message_delta', {
          type: 'message_delta', delta: {stop_reason: 'end_turn', stop_sequence: null},
          usage: {output_tokens: Tokens(text)}}) +
        AnthropicEvent('message_stop', {type: 'message_stop'});
  };
}

const out = path.join(__dirname, 'bodies');
fs.mkdirSync(out, {recursive: true});
for (const [size, bytes] of Object.entries(kSizes)) {
  const files = {
    [`request-${size}.json`]: Request(false),
    [`request-${size}-stream.json`]: Request(true),
    [`openai-${size}.json`]: OpenAiJson,
    [`openai-${size}.sse`]: OpenAiSse(kStreamEvents[size]),
    [`anthropic-${size}.json`]: AnthropicJson,
    [`anthropic-${size}.sse`]: AnthropicSse(kStreamEvents[size]),
  };
  for (const [name, render] of Object.entries(files)) {
    const target = name.endsWith('.sse') ? kStreamSizes[size] : bytes;
    fs.writeFileSync(path.join(out, name), Padded(target, render));
  }
}
