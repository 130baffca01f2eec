'use strict';
// Regression tests of the issue 11 defects, against the real binary: `run` on
// manifests/hardening/hardening.yaml (a plain route /plain to a Node upstream, AI routes
// /anthropic (OpenAI chat -> Anthropic) and /openai (passthrough) to a fake provider), attacked
// with raw sockets so each request is exactly the bytes the defect needs. After every hostile
// request the process must still be running and a good request must still be answered.
//
//   a) out of file descriptors: the accept loop pauses (no spinning), says so once, keeps serving
//      the connections it has, and resumes when descriptors are free again
//   b) request trailers: a 70,000-byte field or 200 fields -> 431 (the process aborted); a trailer
//      field never reaches the upstream as a header
//   c) an upstream's 70 KB trailer: the client's answer is not completed, the process lives on
//   d) transfer codings the gateway cannot frame: `gzip, chunked` 501, `xchunked` 400, `chunked,
//      chunked` 400, each closing the connection
//   e) LLM bodies whose "stream" is not a boolean, token counts whose messages are not objects:
//      answered (4xx), not a dropped connection
//   f) a close-delimited upstream SSE stream cut short: the translated stream must not end as if
//      complete (no `data: [DONE]`, no final chunk)
//   g) /config_dump and /routes with non-ASCII paths in the manifests: never an empty reply
//
// Some of these fail until the issue 11 fixes land on main; each failure message says what the
// binary did instead.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const { startEmulator, manifest } = require('./support/emulator');
const { FakeProvider } = require('./support/fake_provider');
const { startPlainUpstream, pattern, kTrailerBytes } = require('./support/upstream');
const { RawConnection, exchange, portOf } = require('./support/raw_http');

const kTimeout = { timeout: 60000 };
const kManifest = manifest('hardening/hardening.yaml');
const kClockTicks = 100;  // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

// A fake provider that answers as support/fake_provider.js does, except that an Anthropic
// streaming request whose last user text is "close-delimited" gets a close-delimited SSE stream
// (no content-length, no chunking, `connection: close`) that ends after one text delta, without
// message_stop: the connection's end is the only sign that the stream was cut.
class ScriptedProvider extends FakeProvider {
  answer(record, response) {
    const body = record.body;
    const messages = body && Array.isArray(body.messages) ? body.messages : [];
    const content = messages.length > 0 ? messages[messages.length - 1].content : null;
    const last = Array.isArray(content) ? content.map((part) => part.text).join('') : content;
    if (record.path.endsWith('/v1/messages') && body.stream === true && last === 'close-delimited') {
      const event = (name, data) =>
        `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
      const socket = response.socket;
      const message = {
        id: 'msg_cut', type: 'message', role: 'assistant', model: body.model, content: [],
        stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 },
      };
      socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n' +
        event('message_start', { message }) +
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'partial' } }),
        () => setTimeout(() => socket.end(), 50));
      return;
    }
    super.answer(record, response);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls `ready()` every 50 ms until it is true; false after timeoutMs.
async function eventually(ready, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ready()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

function count(text, needle) {
  return text.split(needle).length - 1;
}

// utime + stime of a process, in seconds.
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is the state (field 3 of proc(5)): utime is field 14, stime 15.
  return (Number(fields[11]) + Number(fields[12])) / kClockTicks;
}

function openFds(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

// A GET on a new connection (no agent, no pooling): { status, body }.
function get(url, { timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, timeout: timeoutMs }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers,
                                         body: Buffer.concat(chunks).toString('latin1') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

// The process is still running and a good request on a new connection gets its exact answer.
async function assertHealthy(emulator, after) {
  assert.ok(emulator.alive(), `the process exited after ${after}\n${emulator.output()}`);
  const answer = await get(`${emulator.urls[8080]}/plain/sized/1000`).catch((error) => assert.fail(
      `a good request after ${after} failed: ${error.message}\n${emulator.output()}`));
  assert.equal(answer.status, 200,
               `a good request after ${after} got ${answer.status}: ${answer.body}`);
  assert.equal(answer.body, pattern(1000), `a good request after ${after} got another body`);
}

function httpRequest(method, target, headers, body = '') {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: gateway.test', ...headers];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function jsonPost(target, body, extraHeaders = []) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return httpRequest('POST', target, ['Content-Type: application/json',
                                      `Content-Length: ${Buffer.byteLength(text)}`, 'Connection: close',
                                      ...extraHeaders], text);
}

function describeAnswer(response) {
  if (response.empty) return 'an empty reply (the connection closed without an answer)';
  const start = JSON.stringify(response.raw.toString('latin1').slice(0, 300));
  return `${response.status || '(no status line)'} ${start}`;
}

// An error answer's body: a JSON error, or the shape the route gives a body that is not JSON at
// all (`reference`, its own request-failure text), never empty.
function assertErrorBody(answer, reference, what) {
  const type = answer.headers['content-type'] || '';
  assert.ok(answer.body.length > 0, `${what}: an empty ${answer.status}`);
  if (/json/.test(type)) {
    const error = JSON.parse(answer.body.toString('utf8'));
    assert.ok(error.error !== undefined, `${what}: a JSON answer without "error": ${answer.body}`);
  } else {
    assert.equal(type, reference.headers['content-type'],
                 `${what}: neither a JSON error nor the route's answer to a body that is not JSON`);
  }
}

describe('hardening (issue 11)', () => {
  let upstream;
  let provider;
  let emulator;
  let port;

  const serviceArg = () => ['--service', `e2e-hardening/web:8080=127.0.0.1:${upstream.port}`];

  before(async () => {
    upstream = await startPlainUpstream();
    provider = await new ScriptedProvider().start();
    emulator = await startEmulator({
      inputs: [kManifest],
      ports: [8080],
      args: [...serviceArg(), '--provider-url', `anthropic=${provider.url}`,
             '--provider-url', `openai=${provider.url}`, '--threads', '2'],
    });
    port = portOf(emulator.urls[8080]);
  }, kTimeout);

  after(async () => {
    if (emulator) await emulator.stop();
    if (provider) await provider.close();
    if (upstream) await upstream.close();
  }, kTimeout);

  it('a) out of file descriptors: accepting pauses without spinning, said once, resumes when ' +
     'connections close, and accepted connections keep being served', { timeout: 90000 }, async () => {
    const kLimit = 64;
    const kFlood = 200;
    const limited = await startEmulator({
      inputs: [kManifest], ports: [8080], args: [...serviceArg(), '--threads', '2'], fdLimit: kLimit,
    });
    const flood = [];
    const early = [];
    try {
      const pid = limited.pid();
      const limitedPort = portOf(limited.urls[8080]);
      // Connections accepted before the limit is hit, each with one request done, so each has
      // its upstream connection already (a new upstream connection needs a descriptor too).
      for (let i = 0; i < 4; ++i) {
        const connection = await RawConnection.open(limitedPort);
        early.push(connection);
        await connection.send(httpRequest('GET', '/plain/sized/100', []));
        const answer = await connection.response();
        assert.equal(answer.status, 200, describeAnswer(answer));
        assert.equal(answer.body.toString('latin1'), pattern(100));
      }
      const idleFds = openFds(pid);

      for (let i = 0; i < kFlood; ++i) flood.push(await RawConnection.open(limitedPort));
      assert.ok(await eventually(() => limited.stderr().includes('pausing new connections'), 15000),
                `${kFlood} connections with a limit of ${kLimit} descriptors (${idleFds} open when ` +
                `idle): no "pausing new connections" on stderr\n${limited.output()}`);
      await sleep(300);

      const cpuBefore = cpuSeconds(pid);
      const startedAt = process.hrtime.bigint();
      await sleep(1500);
      const cpu = (cpuSeconds(pid) - cpuBefore) / (Number(process.hrtime.bigint() - startedAt) / 1e9);
      console.log(`# EMFILE: limit ${kLimit}, ${idleFds} descriptors open when idle, ` +
                  `${openFds(pid)} while ${kFlood} connections wait; CPU while paused ` +
                  `${(cpu * 100).toFixed(1)}% of one core`);
      assert.ok(cpu < 0.3, `the accept loop used ${(cpu * 100).toFixed(0)}% of a core while out of ` +
                           'descriptors (it must wait, not retry at once)');
      assert.equal(count(limited.stderr(), 'pausing new connections'), 1,
                   `"pausing new connections" must be said once per episode\n${limited.stderr()}`);
      assert.match(limited.stderr(), new RegExp(`error: accept on port ${limitedPort}: Too many open ` +
                                                'files; pausing new connections until some close'));
      assert.ok(limited.alive(), `the process exited out of descriptors\n${limited.output()}`);

      // Connections accepted before the limit are still served while it holds.
      for (const connection of early) {
        await connection.send(httpRequest('GET', '/plain/sized/300', []));
        const answer = await connection.response({ timeoutMs: 15000 });
        assert.equal(answer.status, 200, `an accepted connection, while out of descriptors: ` +
                                         describeAnswer(answer));
        assert.equal(answer.body.toString('latin1'), pattern(300));
      }

      for (const connection of flood) connection.destroy();
      const answer = await get(`${limited.urls[8080]}/plain/sized/1000`, { timeoutMs: 20000 });
      assert.equal(answer.status, 200);
      assert.equal(answer.body, pattern(1000));
      // Closing 200 connections at once may run out of descriptors again for a moment (the
      // closed ones still queued are accepted to be closed): every pause must have ended.
      assert.ok(await eventually(() => {
        const paused = count(limited.stderr(), 'pausing new connections');
        return paused >= 1 && count(limited.stderr(), 'accepting new connections again') === paused;
      }, 10000), `after the connections closed, every "pausing new connections" must be followed ` +
                 `by "accepting new connections again"\n${limited.stderr()}`);
      assert.ok(limited.alive());
    } finally {
      for (const connection of [...flood, ...early]) connection.destroy();
      await limited.stop();
    }
  });

  describe('b) request trailers', () => {
    it('a 70,000-byte trailer field is 431 and the process lives on', kTimeout, async () => {
      const request = httpRequest('POST', '/plain/echo', ['Transfer-Encoding: chunked'],
                                  `0\r\nX-T: ${'a'.repeat(70000)}\r\n\r\n`);
      const answer = await exchange(port, request, { timeoutMs: 15000 });
      assert.equal(answer.status, 431, describeAnswer(answer));
      await assertHealthy(emulator, 'a 70,000-byte trailer field');
    });

    it('200 trailer fields of 1 KB are 431', kTimeout, async () => {
      let trailer = '';
      for (let i = 0; i < 200; ++i) trailer += `X-T${i}: ${'b'.repeat(1024)}\r\n`;
      const request = httpRequest('POST', '/plain/echo', ['Transfer-Encoding: chunked'],
                                  `0\r\n${trailer}\r\n`);
      const answer = await exchange(port, request, { timeoutMs: 15000 });
      assert.equal(answer.status, 431, describeAnswer(answer));
      await assertHealthy(emulator, '200 trailer fields of 1 KB');
    });

    it('a trailer field does not reach the upstream as a header', kTimeout, async () => {
      const request = httpRequest('POST', '/plain/echo', ['Transfer-Encoding: chunked'],
                                  '5\r\nhello\r\n0\r\nX-Injected: yes\r\n\r\n');
      const before = upstream.count;
      const answer = await exchange(port, request);
      assert.equal(answer.status, 200, describeAnswer(answer));
      assert.equal(answer.body.toString('latin1'), 'hello');
      assert.equal(upstream.count, before + 1);
      const seen = upstream.last();
      assert.equal(seen.body, 'hello');
      assert.equal(seen.headers['x-injected'], undefined, 'the trailer field reached the upstream ' +
                   `as a header: ${JSON.stringify(seen.rawHeaders)}`);
      assert.equal(seen.headers['content-length'], '5', JSON.stringify(seen.rawHeaders));
      assert.equal(seen.headers['transfer-encoding'], undefined, JSON.stringify(seen.rawHeaders));
      assert.deepEqual(seen.trailers, {});
      await assertHealthy(emulator, 'a chunked request with a trailer');
    });
  });

  it('c) an upstream answer with a 70 KB trailer is not completed to the client, and the ' +
     'process lives on', kTimeout, async () => {
    const answer = await exchange(port, httpRequest('GET', '/plain/huge-trailer', []),
                                  { timeoutMs: 20000, untilClose: true });
    console.log(`# upstream 70 KB trailer: the client got ${answer.status}, ${answer.framing}, ` +
                `${answer.complete ? 'complete' : 'not complete'}, body ` +
                `${JSON.stringify(answer.body.toString('latin1').slice(0, 40))}, ` +
                `${answer.closed ? 'closed' : 'open'}`);
    assert.ok(answer.closed, `the connection stayed open after the upstream's ${kTrailerBytes}-byte ` +
                             `trailer: ${describeAnswer(answer)}`);
    const completed = answer.status < 500 && answer.complete;
    assert.ok(!completed, `the client got a complete ${answer.status} answer (${answer.framing}) ` +
                          "although the upstream's trailer was over the limit: " +
                          describeAnswer(answer));
    await assertHealthy(emulator, "an upstream's 70 KB trailer");
  });

  describe('d) transfer codings that cannot be framed', () => {
    it('`gzip, chunked` is 501 with connection: close', kTimeout, async () => {
      const request = httpRequest('POST', '/plain/echo', ['Transfer-Encoding: gzip, chunked'],
                                  '5\r\nhello\r\n0\r\n\r\n');
      const answer = await exchange(port, request, { untilClose: true });
      assert.equal(answer.status, 501, describeAnswer(answer));
      assert.equal(answer.headers.connection, 'close');
      assert.ok(answer.closed, 'the connection stayed open after a 501 for its framing');
      await assertHealthy(emulator, 'Transfer-Encoding: gzip, chunked');
    });

    it('`xchunked` with a Content-Length is 400 and the connection is closed', kTimeout, async () => {
      const request = httpRequest('POST', '/plain/echo',
                                  ['Transfer-Encoding: xchunked', 'Content-Length: 5'], 'hello');
      const before = upstream.count;
      const answer = await exchange(port, request, { untilClose: true });
      assert.equal(answer.status, 400, describeAnswer(answer));
      assert.ok(answer.closed, 'the connection stayed open after a 400 for its framing');
      assert.equal(upstream.count, before, 'the request reached the upstream');
      await assertHealthy(emulator, 'Transfer-Encoding: xchunked');
    });

    it('`chunked, chunked` is 400', kTimeout, async () => {
      const request = httpRequest('POST', '/plain/echo', ['Transfer-Encoding: chunked, chunked'],
                                  '5\r\nhello\r\n0\r\n\r\n');
      const answer = await exchange(port, request, { untilClose: true });
      assert.equal(answer.status, 400, describeAnswer(answer));
      assert.ok(answer.closed, 'the connection stayed open after a 400 for its framing');
      await assertHealthy(emulator, 'Transfer-Encoding: chunked, chunked');
    });
  });

  describe('e) LLM bodies of the wrong types', () => {
    const chat = (stream) => ({ model: 'any', messages: [{ role: 'user', content: 'hi' }], stream });

    for (const route of ['/anthropic', '/openai']) {
      it(`${route}: "stream": null is answered as a non-streaming completion`, kTimeout, async () => {
        const answer = await exchange(port, jsonPost(`${route}/v1/chat/completions`, chat(null)));
        assert.equal(answer.status, 200, describeAnswer(answer));
        assert.match(answer.headers['content-type'], /^application\/json/);
        const completion = JSON.parse(answer.body.toString('utf8'));
        assert.equal(completion.object, 'chat.completion');
        assert.equal(completion.choices[0].message.content, 'echo: hi');
        await assertHealthy(emulator, `"stream": null on ${route}`);
      });

      it(`${route}: "stream" that is "yes", 0 or {} is a 400 error, not a 500 or a dropped ` +
         'connection', kTimeout, async () => {
        // The answer a body that is not JSON gets on this route: the shape the others must have.
        const reference = await exchange(port, jsonPost(`${route}/v1/chat/completions`, '{not json'));
        assert.equal(reference.status, 400, describeAnswer(reference));
        for (const stream of ['yes', 0, {}]) {
          const calls = provider.requests.length;
          const answer = await exchange(port, jsonPost(`${route}/v1/chat/completions`, chat(stream)));
          const what = `"stream": ${JSON.stringify(stream)} on ${route}`;
          assert.equal(answer.status, 400, `${what}: ${describeAnswer(answer)}`);
          assertErrorBody(answer, reference, what);
          assert.equal(provider.requests.length, calls, `${what} reached the provider`);
          await assertHealthy(emulator, what);
        }
      });
    }

    it('/openai count_tokens (counted locally) whose messages are [1] or false is a 4xx', kTimeout,
       async () => {
         const target = '/openai/v1/messages/count_tokens';
         const good = await exchange(port, jsonPost(target, {
           model: 'any', messages: [{ role: 'user', content: 'hello there' }] }));
         assert.equal(good.status, 200, describeAnswer(good));
         assert.ok(Number.isInteger(JSON.parse(good.body.toString('utf8')).input_tokens));
         const reference = await exchange(port, jsonPost(target, '{not json'));
         assert.equal(reference.status, 400, describeAnswer(reference));
         for (const messages of [[1], false]) {
           const answer = await exchange(port, jsonPost(target, { model: 'any', messages }));
           const what = `count_tokens with "messages": ${JSON.stringify(messages)}`;
           assert.ok(answer.status >= 400 && answer.status < 500, `${what}: ${describeAnswer(answer)}`);
           assertErrorBody(answer, reference, what);
           await assertHealthy(emulator, what);
         }
       });
  });

  it('f) a close-delimited upstream stream cut short does not end as a complete stream', kTimeout,
     async () => {
       const request = jsonPost('/anthropic/v1/chat/completions', {
         model: 'any', stream: true, messages: [{ role: 'user', content: 'close-delimited' }],
       });
       const answer = await exchange(port, request, { timeoutMs: 15000, untilClose: true });
       const text = answer.body.toString('utf8');
       console.log(`# close-delimited stream: ${answer.status}, ${answer.framing}, ` +
                   `${answer.complete ? 'complete' : 'not complete'}, ` +
                   `ending ${JSON.stringify(text.slice(-120))}`);
       assert.ok(answer.status === 200 || answer.status >= 500, describeAnswer(answer));
       assert.ok(!text.includes('data: [DONE]'),
                 `the client's stream ends with data: [DONE] although the provider's stream was cut ` +
                 `before message_stop: ${describeAnswer(answer)}`);
       assert.ok(!(answer.status === 200 && answer.framing === 'chunked' && answer.complete),
                 `the client got a complete chunked stream although the provider's was cut: ` +
                 describeAnswer(answer));
       await assertHealthy(emulator, 'a cut close-delimited stream');
     });

  describe('g) admin endpoints with non-ASCII route paths', () => {
    async function checkAdmin(admin, label) {
      for (const endpoint of ['/config_dump', '/routes']) {
        const answer = await exchange(portOf(admin),
                                      httpRequest('GET', endpoint, ['Connection: close']));
        assert.equal(answer.status, 200, `${endpoint} ${label}: ${describeAnswer(answer)}`);
        assert.ok(answer.body.length > 0, `${endpoint} ${label}: an empty body`);
        JSON.parse(answer.body.toString('utf8'));
      }
    }

    it('UTF-8 paths: /config_dump and /routes answer 200 with JSON that holds them', kTimeout,
       async () => {
         const local = await startEmulator({
           inputs: [manifest('hardening/non_ascii.yaml')], ports: [8080],
           args: ['--service', `e2e-non-ascii/web:8080=127.0.0.1:${upstream.port}`],
         });
         try {
           await checkAdmin(local.adminUrl, 'with UTF-8 paths');
           const dump = await exchange(portOf(local.adminUrl),
                                       httpRequest('GET', '/routes', ['Connection: close']));
           const routes = JSON.stringify(JSON.parse(dump.body.toString('utf8')));
           assert.ok(routes.includes('/café/menü') && routes.includes('/日本語'),
                     `/routes does not show the UTF-8 paths: ${routes.slice(0, 500)}`);
           // A request for the path, percent-encoded as clients send it, is answered (whether
           // it matches the UTF-8 prefix is not what this test is about).
           const answer = await get(`${local.urls[8080]}/caf%C3%A9/men%C3%BC/echo`);
           assert.ok([200, 404].includes(answer.status), `${answer.status} ${answer.body}`);
           assert.ok(local.alive());
         } finally {
           await local.stop();
         }
       });

    it('invalid UTF-8 in a path: /config_dump and /routes are never an empty reply', kTimeout,
       async (t) => {
         const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'agw-hardening-'));
         const file = path.join(directory, 'latin1.yaml');
         const text = fs.readFileSync(manifest('hardening/non_ascii.yaml'), 'utf8');
         // "/café/menü" in Latin-1: 0xE9 and 0xFC are not UTF-8 on their own.
         const [before, after] = text.split('/café/menü');
         fs.writeFileSync(file, Buffer.concat([
           Buffer.from(before, 'utf8'), Buffer.from('/café/menü', 'latin1'),
           Buffer.from(after, 'utf8')]));
         let local;
         try {
           local = await startEmulator({
             inputs: [file], ports: [8080],
             args: ['--service', `e2e-non-ascii/web:8080=127.0.0.1:${upstream.port}`],
           });
         } catch (error) {
           fs.rmSync(directory, { recursive: true, force: true });
           const why = error.message.split('\n').slice(0, 12).join(' | ');
           t.skip(`run refuses manifests with invalid UTF-8: ${why}`);
           return;
         }
         try {
           await checkAdmin(local.adminUrl, 'with an invalid-UTF-8 path');
           assert.ok(local.alive());
         } finally {
           await local.stop();
           fs.rmSync(directory, { recursive: true, force: true });
         }
       });
  });
});
