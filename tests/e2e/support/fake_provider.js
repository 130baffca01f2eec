'use strict';
// A stand-in for the LLM providers' HTTP APIs on 127.0.0.1 (port 0), speaking each provider's own
// wire format, so the emulator's translation is checked against what the real services send:
//   POST .../v1/chat/completions                      OpenAI chat completions (SSE when stream)
//   POST .../v1/messages                              Anthropic messages (SSE events when stream)
//   POST .../v1beta/models/M:generateContent          Gemini
//   POST .../v1beta/models/M:streamGenerateContent    Gemini SSE (requires ?alt=sse, as Google does)
// The wire format is chosen by the path suffix, so a --provider-url with a path prefix works too.
// Every request is recorded (method, path, headers, parsed body) for the tests to inspect.
//
// Answers: the text is "echo: " + the last user text. When the request offers tools and the
// conversation does not yet hold a tool result, the answer is a call of the first tool with
// kToolArguments. failNext()/failAlways() answer with the provider's own error body instead.

const http = require('node:http');

const kToolArguments = { location: 'Paris' };
const kUsage = { input: 11, output: 7 };

function wireFormat(path) {
  const bare = path.split('?')[0];
  if (bare.endsWith('/chat/completions')) return 'openai';
  if (bare.endsWith('/v1/messages')) return 'anthropic';
  if (/:generateContent$/.test(bare)) return 'gemini';
  if (/:streamGenerateContent$/.test(bare)) return 'gemini-stream';
  return 'unknown';
}

// The text of an OpenAI or Anthropic content value (a string or a list of parts).
function contentText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.filter((part) => typeof part.text === 'string').map((part) => part.text).join('\n');
}

// What the conversation asks for: the last user text, whether a tool result came back, and the
// name of the first offered tool.
function readConversation(format, body) {
  const conversation = { lastUser: '', hasToolResult: false, tool: null };
  if (format === 'gemini' || format === 'gemini-stream') {
    for (const content of body.contents || []) {
      for (const part of content.parts || []) {
        if (part.functionResponse) conversation.hasToolResult = true;
        if (content.role === 'user' && typeof part.text === 'string') conversation.lastUser = part.text;
      }
    }
    const declarations = (body.tools || []).flatMap((tool) => tool.functionDeclarations || []);
    if (declarations.length > 0) conversation.tool = declarations[0].name;
    return conversation;
  }
  for (const message of body.messages || []) {
    if (message.role === 'tool') conversation.hasToolResult = true;
    if (Array.isArray(message.content) && message.content.some((b) => b.type === 'tool_result')) {
      conversation.hasToolResult = true;
    }
    const text = contentText(message.content);
    if (message.role === 'user' && text !== '') conversation.lastUser = text;
  }
  const tools = body.tools || [];
  if (tools.length > 0) conversation.tool = tools[0].function ? tools[0].function.name : tools[0].name;
  return conversation;
}

function answerFor(format, body) {
  const conversation = readConversation(format, body);
  const callTool = conversation.tool !== null && !conversation.hasToolResult;
  return { text: 'echo: ' + conversation.lastUser, tool: callTool ? conversation.tool : null };
}

// ---- OpenAI chat completions ------------------------------------------------------------------

function openaiMessage(body, answer) {
  const message = { role: 'assistant', content: answer.tool ? null : answer.text };
  if (answer.tool) {
    message.tool_calls = [{
      id: 'call_fake_1', type: 'function',
      function: { name: answer.tool, arguments: JSON.stringify(kToolArguments) },
    }];
  }
  return {
    id: 'chatcmpl-fake', object: 'chat.completion', created: 1700000000, model: body.model,
    choices: [{ index: 0, message, finish_reason: answer.tool ? 'tool_calls' : 'stop' }],
    usage: { prompt_tokens: kUsage.input, completion_tokens: kUsage.output,
             total_tokens: kUsage.input + kUsage.output },
  };
}

function openaiStream(body, answer) {
  const includeUsage = Boolean(body.stream_options && body.stream_options.include_usage);
  const chunk = (choices, usage) => {
    const value = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1700000000,
                    model: body.model, choices };
    if (includeUsage) value.usage = usage || null;
    return 'data: ' + JSON.stringify(value) + '\n\n';
  };
  let out = chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (answer.tool) {
    out += chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_fake_1', type: 'function',
      function: { name: answer.tool, arguments: '' } }] }, finish_reason: null }]);
    out += chunk([{ index: 0, delta: { tool_calls: [{ index: 0,
      function: { arguments: JSON.stringify(kToolArguments) } }] }, finish_reason: null }]);
  } else {
    for (const piece of splitIntoPieces(answer.text)) {
      out += chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
    }
  }
  out += chunk([{ index: 0, delta: {}, finish_reason: answer.tool ? 'tool_calls' : 'stop' }]);
  if (includeUsage) {
    out += chunk([], { prompt_tokens: kUsage.input, completion_tokens: kUsage.output,
                       total_tokens: kUsage.input + kUsage.output });
  }
  return out + 'data: [DONE]\n\n';
}

// ---- Anthropic messages -----------------------------------------------------------------------

function anthropicMessage(body, answer) {
  const content = answer.tool
    ? [{ type: 'tool_use', id: 'toolu_fake_1', name: answer.tool, input: kToolArguments }]
    : [{ type: 'text', text: answer.text }];
  return {
    id: 'msg_fake', type: 'message', role: 'assistant', model: body.model, content,
    stop_reason: answer.tool ? 'tool_use' : 'end_turn', stop_sequence: null,
    usage: { input_tokens: kUsage.input, output_tokens: kUsage.output },
  };
}

function anthropicStream(body, answer) {
  const event = (name, data) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
  let out = event('message_start', { message: {
    id: 'msg_fake', type: 'message', role: 'assistant', model: body.model, content: [],
    stop_reason: null, stop_sequence: null, usage: { input_tokens: kUsage.input, output_tokens: 1 },
  } });
  if (answer.tool) {
    out += event('content_block_start', { index: 0, content_block: {
      type: 'tool_use', id: 'toolu_fake_1', name: answer.tool, input: {} } });
    out += event('content_block_delta', { index: 0, delta: {
      type: 'input_json_delta', partial_json: JSON.stringify(kToolArguments) } });
  } else {
    out += event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    out += event('ping', {});
    for (const piece of splitIntoPieces(answer.text)) {
      out += event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
    }
  }
  out += event('content_block_stop', { index: 0 });
  out += event('message_delta', {
    delta: { stop_reason: answer.tool ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { input_tokens: kUsage.input, output_tokens: kUsage.output },
  });
  return out + event('message_stop', {});
}

// ---- Gemini -----------------------------------------------------------------------------------

function geminiParts(answer) {
  return answer.tool ? [{ functionCall: { name: answer.tool, args: kToolArguments } }]
                     : [{ text: answer.text }];
}

const kGeminiUsage = { promptTokenCount: kUsage.input, candidatesTokenCount: kUsage.output,
                       totalTokenCount: kUsage.input + kUsage.output };

function geminiResponse(answer) {
  return {
    candidates: [{ content: { role: 'model', parts: geminiParts(answer) }, finishReason: 'STOP',
                   index: 0 }],
    usageMetadata: kGeminiUsage, modelVersion: 'gemini-2.5-flash', responseId: 'gemini-fake',
  };
}

function geminiStream(answer) {
  const pieces = answer.tool ? [null] : splitIntoPieces(answer.text);
  return pieces.map((piece, i) => {
    const last = i === pieces.length - 1;
    const parts = piece === null ? geminiParts(answer) : [{ text: piece }];
    const candidate = { content: { role: 'model', parts }, index: 0 };
    if (last) candidate.finishReason = 'STOP';
    const value = { candidates: [candidate], modelVersion: 'gemini-2.5-flash',
                    responseId: 'gemini-fake' };
    if (last) value.usageMetadata = kGeminiUsage;
    return 'data: ' + JSON.stringify(value) + '\r\n\r\n';
  }).join('');
}

// ---- Errors -----------------------------------------------------------------------------------

const kErrors = {
  401: { openai: ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided'],
         anthropic: ['authentication_error', 'invalid x-api-key'],
         gemini: ['UNAUTHENTICATED', 'API key not valid. Please pass a valid API key.'] },
  429: { openai: ['requests', 'rate_limit_exceeded', 'Rate limit reached for requests'],
         anthropic: ['rate_limit_error', 'Number of requests has exceeded your rate limit'],
         gemini: ['RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).'] },
  500: { openai: ['server_error', null, 'The server had an error while processing your request.'],
         anthropic: ['api_error', 'Internal server error'],
         gemini: ['INTERNAL', 'An internal error has occurred.'] },
  503: { openai: ['server_error', null, 'The engine is currently overloaded.'],
         anthropic: ['overloaded_error', 'Overloaded'],
         gemini: ['UNAVAILABLE', 'The model is overloaded.'] },
};

// The provider's own error body for `status`; `message` is what the client should end up seeing.
function errorBody(format, status) {
  const known = kErrors[status] || kErrors[500];
  if (format === 'anthropic') {
    const [type, message] = known.anthropic;
    return { message, body: { type: 'error', error: { type, message } } };
  }
  if (format.startsWith('gemini')) {
    const [state, message] = known.gemini;
    return { message, body: { error: { code: status, message, status: state } } };
  }
  const [type, code, message] = known.openai;
  return { message, body: { error: { message, type, param: null, code } } };
}

// Splits a text into pieces of about three words so a stream has several events.
function splitIntoPieces(text) {
  const words = text.split(/(?= )/);
  const pieces = [];
  for (let i = 0; i < words.length; i += 3) pieces.push(words.slice(i, i + 3).join(''));
  return pieces.length > 0 ? pieces : [''];
}

class FakeProvider {
  constructor() {
    this.requests = [];
    this.failures = [];  // statuses for the next requests, consumed in order
    this.alwaysStatus = null;
    this.server = http.createServer((request, response) => this.handle(request, response));
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  async close() {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // The next request is answered with `status` and the provider's error body.
  failNext(status) { this.failures.push(status); }
  failAlways(status) { this.alwaysStatus = status; }
  reset() { this.requests = []; this.failures = []; this.alwaysStatus = null; }
  last() { return this.requests[this.requests.length - 1]; }

  // The error message the fake sends for `status` in `format` (for asserting what reached the
  // client).
  static errorMessage(format, status) { return errorBody(format, status).message; }

  handle(request, response) {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try { body = JSON.parse(raw); } catch { body = null; }
      const record = { method: request.method, path: request.url, headers: request.headers, body, raw };
      this.requests.push(record);
      this.answer(record, response);
    });
  }

  answer(record, response) {
    const format = wireFormat(record.path);
    const failure = this.failures.length > 0 ? this.failures.shift() : this.alwaysStatus;
    if (format === 'unknown' || record.body === null) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end(`fake provider: no API at ${record.method} ${record.path}\n`);
      return;
    }
    if (failure !== null) {
      response.writeHead(failure, { 'content-type': 'application/json' });
      response.end(JSON.stringify(errorBody(format, failure).body));
      return;
    }
    const body = record.body;
    const answer = answerFor(format, body);
    const sse = (text) => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      response.end(text);
    };
    const json = (value) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    if (format === 'openai') return body.stream ? sse(openaiStream(body, answer)) : json(openaiMessage(body, answer));
    if (format === 'anthropic') {
      return body.stream ? sse(anthropicStream(body, answer)) : json(anthropicMessage(body, answer));
    }
    if (format === 'gemini') return json(geminiResponse(answer));
    if (!/[?&]alt=sse(&|$)/.test(record.path)) {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 400, message: 'alt=sse expected by the fake',
                                             status: 'INVALID_ARGUMENT' } }));
      return;
    }
    return sse(geminiStream(answer));
  }
}

async function startFakeProvider() {
  return new FakeProvider().start();
}

module.exports = { startFakeProvider, FakeProvider, kToolArguments, kUsage };
