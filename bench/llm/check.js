// Checks one gateway answer before it is benchmarked: the OpenAI-format response on stdin must
// carry exactly the text of the fake provider's body UPSTREAM_FILE (OpenAI or Anthropic format,
// JSON or SSE, as bench/llm/bodies/ holds them), and a stream must end with `data: [DONE]`.
// Throughput of wrong answers means nothing.
//
//   curl ... | node bench/llm/check.js UPSTREAM_FILE
'use strict';
const fs = require('fs');

function DataLines(text) {
  return text.split('\n').filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim());
}

// The assistant text in a body of bench/llm/bodies/ (or an OpenAI-format answer).
function TextOf(text, is_stream) {
  if (!is_stream) {
    const body = JSON.parse(text);
    if (body.object === 'chat.completion') return body.choices[0].message.content;
    if (body.type === 'message') return body.content.map((block) => block.text).join('');
    throw new Error(`not a chat completion: ${text.slice(0, 200)}`);
  }
  let joined = '';
  for (const data of DataLines(text)) {
    if (data === '[DONE]') continue;
    const event = JSON.parse(data);
    if (event.object === 'chat.completion.chunk') {
      for (const choice of event.choices) joined += choice.delta?.content ?? '';
    } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      joined += event.delta.text;
    } else if (event.type === undefined) {
      throw new Error(`not a chat completion chunk: ${data.slice(0, 200)}`);
    }
  }
  return joined;
}

function Main() {
  const upstream_file = process.argv[2];
  if (!upstream_file) {
    console.error('usage: node check.js UPSTREAM_FILE < response');
    process.exit(2);
  }
  const is_stream = upstream_file.endsWith('.sse');
  const expected = TextOf(fs.readFileSync(upstream_file, 'utf8'), is_stream);
  const answer = fs.readFileSync(0, 'utf8');
  const actual = TextOf(answer, is_stream);
  if (actual !== expected) {
    throw new Error(`the text differs from the provider's (${actual.length} characters instead ` +
                    `of ${expected.length}): ${answer.slice(0, 300)}`);
  }
  if (is_stream) {
    const lines = DataLines(answer);
    if (lines[lines.length - 1] !== '[DONE]') {
      throw new Error('the stream does not end with [DONE]');
    }
  }
}

try {
  Main();
} catch (error) {
  console.error(`check: ${error.message}`);
  process.exit(1);
}
