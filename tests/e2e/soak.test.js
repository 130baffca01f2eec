'use strict';
// A bounded soak of `run` (AGW_SOAK_SECONDS, default 60) on manifests/hardening/hardening.yaml:
// concurrent workers mix good requests, each of which must get its exact answer, with the
// hostile ones of issue 11 (huge trailers, bad transfer codings, malformed request lines,
// oversized heads, bodies over the limit, slowloris clients, clients that leave mid-request or
// mid-response, upstreams that reset mid-body or send a huge trailer, LLM bodies with a
// non-boolean "stream", nesting past 128, invalid JSON), while the server's resident memory is
// sampled every 250 ms. A second `run` with --mock-providers on the multi-llm-providers tutorial
// gets AI traffic too.
//
// The other two tests are issue 11's item 9: the resident memory of one 6 MB chat body of
// 200,000 short messages on an OpenAI -> Anthropic route and on an OpenAI passthrough route, then
// four at once, and how much of it is given back afterwards.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');

const { startEmulator, manifest, example } = require('./support/emulator');
const { FakeProvider } = require('./support/fake_provider');
const { startPlainUpstream, pattern, sseBody } = require('./support/upstream');
const { RawConnection, exchange, portOf } = require('./support/raw_http');
const { openaiClient, collectOpenAIStream } = require('./support/clients');

const kSoakSeconds = Number(process.env.AGW_SOAK_SECONDS || 60);
const kManifest = manifest('hardening/hardening.yaml');
const kMiB = 1024 * 1024;

// Bounds, from measurements on the 2-core development VM (Release build, binary of 2026-12-06,
// 60 s, seed 11): ~410 good requests/s (24,555) and ~260 hostile/s (15,649); resident memory
// 9.4 MiB at start, 12.2 MiB after warm-up, peak 12.5 MiB, 12.4 MiB at the end.
// - peak: five times the measured peak, for a slower machine holding more bodies in flight;
//   a request that buffered a whole body (up to the 10 MiB limit) in several workers at once
//   would cross it.
const kSoakPeakRssBytes = 64 * kMiB;
// - growth from after warm-up to the end (measured +0.2 MiB): a leak of 200 bytes per request
//   over the ~40,000 requests of a 60 s soak would cross it.
const kSoakGrowthBytes = 8 * kMiB;
// - good requests per second of soak, a floor 40 times under the measured rate, for a loaded
//   machine.
const kGoodPerSecondFloor = 10;
// - item 9 (issue 11): one 6 MB body peaks under 60 MB (the target), and after a burst
//   of four, memory is back within 10 MiB of idle 3 s later. Measured before the work on it:
//   idle 9.4 MiB, one body 321.5 MiB peak (16.9 MiB 3 s after), four at once 662.5 MiB peak
//   (17.3 MiB 3 s after). With the parsed messages freed as they are written: 59.4 MiB on the
//   Anthropic route, 121 MiB on the OpenAI one (a second document, the upstream body). With
//   the messages kept as text (ReadJsonKeepingArrayText): one body 26.3 MiB (Anthropic) and
//   21.5 MiB (OpenAI) peak; four at once 82.6 and 52.5 MiB, 10.8 and 16.7 MiB 3 s after (21.5
//   MiB on a loaded machine: bodies left in glibc's arenas). With allocations of 1 MiB and more
//   always mapped (Server::Start): four at once 64.7 and 43.3 MiB, 10.9 MiB 3 s after, with
//   both cores busy.
const kItem9PeakBytes = 60 * 1000 * 1000;
const kItem9SettleBytes = 10 * kMiB;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)[1]) * 1024;
}

function mib(bytes) {
  return `${(bytes / kMiB).toFixed(1)} MiB`;
}

// Samples a process's VmRSS every `intervalMs` until stop(); { samples, peak(), stop() }.
function sampleRss(pid, intervalMs) {
  const samples = [];
  const take = () => {
    try { samples.push(rssBytes(pid)); } catch { /* exited: the alive checks report it */ }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    samples,
    peak: () => Math.max(...samples),
    last: () => samples[samples.length - 1],
    stop: () => { clearInterval(timer); take(); },
  };
}

// A small deterministic generator (mulberry32), so a run's mix can be replayed with its seed.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6D2B79F5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick(next, list) {
  return list[Math.floor(next() * list.length)];
}

// One HTTP request with node:http: { status, headers, body (Buffer) }.
function request(url, { method = 'GET', body = null, headers = {}, agent = false,
                        timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method, headers, agent, timeout: timeoutMs }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers,
                                         body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function rawRequest(method, target, headers, body = '') {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: soak.test', ...headers];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function jsonPost(target, text) {
  return rawRequest('POST', target, ['Content-Type: application/json',
                                     `Content-Length: ${Buffer.byteLength(text)}`,
                                     'Connection: close'], text);
}

describe('soak', () => {
  let upstream;
  let provider;
  let emulator;
  let mock;

  before(async () => {
    upstream = await startPlainUpstream({ keep: 10 });
    provider = await new FakeProvider().start();
    emulator = await startEmulator({
      inputs: [kManifest], ports: [8080],
      args: ['--service', `e2e-hardening/web:8080=127.0.0.1:${upstream.port}`,
             '--provider-url', `anthropic=${provider.url}`, '--provider-url', `openai=${provider.url}`,
             '--threads', '2'],
    });
    mock = await startEmulator({
      inputs: [example('multi-llm-providers')], ports: [8080],
      args: ['--gateway-class', 'enterprise-agentgateway', '--mock-providers', '--threads', '1'],
    });
  }, { timeout: 60000 });

  after(async () => {
    for (const running of [emulator, mock]) if (running) await running.stop();
    if (provider) await provider.close();
    if (upstream) await upstream.close();
  }, { timeout: 30000 });

  it(`${kSoakSeconds} s of good and hostile traffic: every good request answered exactly, memory ` +
     'bounded', { timeout: (kSoakSeconds + 90) * 1000 }, async () => {
    const pid = emulator.pid();
    const base = emulator.urls[8080];
    const port = portOf(base);
    const mockBase = mock.urls[8080];
    const seed = Number(process.env.AGW_SOAK_SEED || 11);
    const good = { count: 0, byKind: {}, failures: [] };
    const hostile = { count: 0, byKind: {}, unexpected: {} };
    const start = Date.now();
    const warmupMs = Math.min(5000, kSoakSeconds * 100);
    const deadline = start + kSoakSeconds * 1000;
    const rss = sampleRss(pid, 250);
    let warmRss = null;
    const warmTimer = setTimeout(() => { warmRss = rssBytes(pid); }, warmupMs);

    // ---- good requests: each must get exactly its answer -----------------------------------
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const ai = openaiClient(`${base}/anthropic`);
    const passthrough = openaiClient(`${base}/openai`);
    const mockOpenAI = openaiClient(`${mockBase}/openai`);
    const mockAnthropic = openaiClient(`${mockBase}/anthropic`);
    let serial = 0;

    const goodKinds = {
      sized: async (next) => {
        const n = pick(next, [0, 1, 100, 5000, 70000, 300000]);
        const answer = await request(`${base}/plain/sized/${n}`, { agent });
        return [answer.status === 200 && answer.body.toString('latin1') === pattern(n), answer];
      },
      chunked: async (next) => {
        const n = pick(next, [1, 1000, 40000, 200000]);
        const answer = await request(`${base}/plain/chunked/${n}`, { agent });
        return [answer.status === 200 && answer.body.toString('latin1') === pattern(n), answer];
      },
      sse: async (next) => {
        const n = pick(next, [1, 10, 100]);
        const answer = await request(`${base}/plain/sse/${n}`, { agent });
        return [answer.status === 200 && answer.body.toString('latin1') === sseBody(n), answer];
      },
      echo: async (next) => {
        const n = pick(next, [0, 10, 3000, 100000]);
        const body = Buffer.from(pattern(n));
        const answer = await request(`${base}/plain/echo`, {
          method: 'POST', body, agent, headers: { 'content-type': 'application/octet-stream' } });
        return [answer.status === 200 && answer.body.equals(body), answer];
      },
      slow: async () => {
        const answer = await request(`${base}/plain/slow/200`, { agent });
        return [answer.status === 200 && answer.body.toString() === 'slow 200', answer];
      },
      chat: async () => {
        const text = `soak ${++serial}`;
        const completion = await ai.chat.completions.create({
          model: 'any', messages: [{ role: 'user', content: text }] });
        return [completion.choices[0].message.content === `echo: ${text}`, completion];
      },
      chatStream: async () => {
        const text = `soak stream ${++serial}`;
        const result = await collectOpenAIStream(await ai.chat.completions.create({
          model: 'any', stream: true, messages: [{ role: 'user', content: text }] }));
        return [result.text === `echo: ${text}` && result.finishReason === 'stop', result.text];
      },
      passthrough: async () => {
        const text = `soak passthrough ${++serial}`;
        const completion = await passthrough.chat.completions.create({
          model: 'any', messages: [{ role: 'user', content: text }] });
        return [completion.choices[0].message.content === `echo: ${text}`, completion];
      },
    };

    const mockKinds = {
      mockOpenAI: async () => {
        const text = `mock ${++serial}`;
        const completion = await mockOpenAI.chat.completions.create({
          model: 'any', messages: [{ role: 'user', content: text }] });
        return [completion.choices[0].message.content === text, completion];
      },
      mockAnthropicStream: async () => {
        const text = `mock stream ${++serial}`;
        const result = await collectOpenAIStream(await mockAnthropic.chat.completions.create({
          model: 'any', stream: true, messages: [{ role: 'user', content: text }] }));
        return [result.text === text && result.finishReason === 'stop', result.text];
      },
    };

    async function runGood(kinds, name, next) {
      const kind = pick(next, Object.keys(kinds));
      try {
        const [ok, detail] = await kinds[kind](next);
        if (!ok) {
          const shown = detail && detail.body !== undefined
            ? `${detail.status} ${JSON.stringify(detail.body.toString('latin1').slice(0, 200))}`
            : JSON.stringify(detail).slice(0, 300);
          good.failures.push(`${name} ${kind}: wrong answer ${shown}`);
        }
      } catch (error) {
        good.failures.push(`${name} ${kind}: ${error.message}`);
      }
      ++good.count;
      good.byKind[kind] = (good.byKind[kind] || 0) + 1;
    }

    // ---- hostile requests: the process must live through them -----------------------------
    // Each returns whether the outcome was the expected one (tallied, printed, not asserted:
    // hardening.test.js asserts each of them exactly).
    const answered = (status) => async (data, options = {}) => {
      const answer = await exchange(port, data, { timeoutMs: 15000, ...options });
      return answer.status === status;
    };
    const deep = '{"model":"any","messages":[{"role":"user","content":"x"}],' +
                 `"x":${'['.repeat(200)}${']'.repeat(200)}}`;
    const post = (headers, body) => rawRequest('POST', '/plain/echo', headers, body);
    const hostileKinds = {
      hugeTrailer: () => answered(431)(rawRequest('POST', '/plain/echo', ['Transfer-Encoding: chunked'],
                                                  `0\r\nX-T: ${'a'.repeat(70000)}\r\n\r\n`)),
      manyTrailers: () => {
        let trailer = '';
        for (let i = 0; i < 200; ++i) trailer += `X-T${i}: ${'b'.repeat(1024)}\r\n`;
        return answered(431)(rawRequest('POST', '/plain/echo', ['Transfer-Encoding: chunked'],
                                        `0\r\n${trailer}\r\n`));
      },
      gzipChunked: () => answered(501)(post(['Transfer-Encoding: gzip, chunked'],
                                            '5\r\nhello\r\n0\r\n\r\n')),
      xchunked: () => answered(400)(post(['Transfer-Encoding: xchunked', 'Content-Length: 5'],
                                         'hello')),
      chunkedTwice: () => answered(400)(post(['Transfer-Encoding: chunked, chunked'],
                                             '5\r\nhello\r\n0\r\n\r\n')),
      badRequestLine: () => answered(400)('GARBAGE / HTTP/9.9 what\r\n\r\n'),
      oversizedHead: () => answered(431)(rawRequest('GET', '/plain/sized/1',
                                                    [`X-Big: ${'h'.repeat(100000)}`])),
      bodyOverLimit: () => answered(413)(rawRequest('POST', '/plain/echo', ['Content-Length: 20000000'],
                                                    'x'.repeat(65536))),
      leaveMidRequest: async () => {
        const connection = await RawConnection.open(port);
        await connection.send(post(['Content-Length: 1000'], 'x'.repeat(100)));
        await sleep(20);
        connection.destroy();
        return true;
      },
      leaveMidResponse: async () => {
        const connection = await RawConnection.open(port);
        await connection.send(rawRequest('GET', '/plain/sized/3000000', []));
        await connection.waitFor(() => connection.buffer.length > 0 || connection.closed, 15000,
                                 'the first bytes');
        connection.destroy();
        return true;
      },
      upstreamReset: async () => {
        const answer = await exchange(port, rawRequest('GET', '/plain/reset', []),
                                      { timeoutMs: 15000, untilClose: true });
        return answer.closed && !(answer.status === 200 && answer.complete);
      },
      upstreamHugeTrailer: async () => {
        const answer = await exchange(port, rawRequest('GET', '/plain/huge-trailer', []),
                                      { timeoutMs: 15000, untilClose: true });
        return answer.closed && !(answer.status === 200 && answer.complete);
      },
      streamNotBoolean: () => answered(400)(jsonPost('/anthropic/v1/chat/completions',
          JSON.stringify({ model: 'any', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }))),
      deepNesting: () => answered(400)(jsonPost('/anthropic/v1/chat/completions', deep)),
      invalidJson: () => answered(400)(jsonPost('/openai/v1/chat/completions',
                                                '{"model": "any", "messages": [')),
    };

    async function runHostile(next) {
      const kind = pick(next, Object.keys(hostileKinds));
      let expected = false;
      try {
        expected = await hostileKinds[kind]();
      } catch {
        expected = false;
      }
      ++hostile.count;
      hostile.byKind[kind] = (hostile.byKind[kind] || 0) + 1;
      if (!expected) hostile.unexpected[kind] = (hostile.unexpected[kind] || 0) + 1;
    }

    // A client that sends its request head a byte per 100 ms, then must get its answer.
    async function slowloris() {
      const connection = await RawConnection.open(port);
      try {
        const head = rawRequest('GET', '/plain/sized/10', ['Connection: close']);
        for (const byte of head) {
          if (Date.now() > deadline + 5000) return;
          await connection.send(byte);
          await sleep(100);
        }
        const answer = await connection.response({ timeoutMs: 15000 });
        ++hostile.count;
        hostile.byKind.slowloris = (hostile.byKind.slowloris || 0) + 1;
        if (!(answer.status === 200 && answer.body.toString('latin1') === pattern(10))) {
          hostile.unexpected.slowloris = (hostile.unexpected.slowloris || 0) + 1;
        }
      } finally {
        connection.destroy();
      }
    }

    const loop = async (body) => {
      while (Date.now() < deadline) await body();
    };
    const workers = [];
    for (let i = 0; i < 4; ++i) {
      const next = random(seed * 100 + i);
      workers.push(loop(() => runGood(goodKinds, `worker ${i}`, next)));
    }
    {
      const next = random(seed * 100 + 50);
      workers.push(loop(() => runGood(mockKinds, 'mock worker', next)));
    }
    for (let i = 0; i < 3; ++i) {
      const next = random(seed * 100 + 10 + i);
      workers.push(loop(() => runHostile(next)));
    }
    for (let i = 0; i < 2; ++i) workers.push(loop(() => slowloris().catch(() => {})));
    // The fake provider records every request; the soak needs none of them.
    const trim = setInterval(() => provider.reset(), 1000);
    await Promise.all(workers);
    clearInterval(trim);
    clearTimeout(warmTimer);
    agent.destroy();
    await sleep(2000);  // connections wind down, buffers are released
    rss.stop();
    const endRss = rssBytes(pid);
    const seconds = (Date.now() - start) / 1000;

    const summary = `# soak ${kSoakSeconds} s (seed ${seed}): good ${good.count} ` +
      `(${(good.count / kSoakSeconds).toFixed(0)}/s, failed ${good.failures.length}) ` +
      `${JSON.stringify(good.byKind)}; hostile ${hostile.count} ${JSON.stringify(hostile.byKind)}, ` +
      `unexpected outcomes ${JSON.stringify(hostile.unexpected)}; RSS start ${mib(rss.samples[0])}, ` +
      `after warm-up ${mib(warmRss ?? rss.samples[0])}, peak ${mib(rss.peak())}, end ${mib(endRss)} ` +
      `(${rss.samples.length} samples over ${seconds.toFixed(0)} s)`;
    console.log(summary);

    assert.ok(emulator.alive(),
              `the process exited during the soak\n${summary}\n${emulator.output().slice(-3000)}`);
    assert.ok(mock.alive(), 'the --mock-providers process exited during the soak\n' +
                            mock.output().slice(-3000));
    assert.deepEqual(good.failures.slice(0, 20), [],
                     `good requests failed (${good.failures.length}):\n${summary}`);
    assert.ok(good.count > kGoodPerSecondFloor * kSoakSeconds,
              `only ${good.count} good requests in ${kSoakSeconds} s\n${summary}`);
    assert.ok(rss.peak() < kSoakPeakRssBytes,
              `peak RSS ${mib(rss.peak())} >= ${mib(kSoakPeakRssBytes)}\n${summary}`);
    assert.ok(endRss <= (warmRss ?? rss.samples[0]) + kSoakGrowthBytes,
              `RSS grew from ${mib(warmRss)} after warm-up to ${mib(endRss)} at the end\n${summary}`);
  });

  for (const route of ['/anthropic', '/openai']) {
    it(`item 9: a 6 MB chat body of 200,000 messages on ${route}, then four at once`,
       { timeout: 120000 }, async () => {
         // Its own `run` and provider, so idle is idle: the provider drains the body and answers
         // a small message in the shape of the API it was asked on.
         const small = http.createServer((incoming, response) => {
           incoming.on('data', () => {});
           incoming.on('end', () => {
             response.writeHead(200, { 'content-type': 'application/json' });
             response.end(JSON.stringify(incoming.url.includes('/v1/messages') ? {
               id: 'msg_big', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929',
               content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null,
               usage: { input_tokens: 200000, output_tokens: 1 } } : {
               id: 'chatcmpl-big', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
               choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
               usage: { prompt_tokens: 200000, completion_tokens: 1, total_tokens: 200001 } }));
           });
         });
         small.keepAliveTimeout = 60000;
         await new Promise((resolve) => small.listen(0, '127.0.0.1', resolve));
         const provider = `http://127.0.0.1:${small.address().port}`;
         const local = await startEmulator({
           inputs: [kManifest], ports: [8080],
           args: ['--service', `e2e-hardening/web:8080=127.0.0.1:${upstream.port}`,
                  '--provider-url', `anthropic=${provider}`, '--provider-url', `openai=${provider}`,
                  '--threads', '2'],
         });
         try {
           const pid = local.pid();
           const messages = [];
           for (let i = 0; i < 200000; ++i) messages.push({ role: 'user', content: `m${i % 10}` });
           const body = Buffer.from(JSON.stringify({ model: 'any', messages }));
           const url = `${local.urls[8080]}${route}/v1/chat/completions`;
           const send = async () => {
             const answer = await request(url, { method: 'POST', body, timeoutMs: 60000,
                                                 headers: { 'content-type': 'application/json' } });
             assert.equal(answer.status, 200,
                          `a 6 MB body: ${answer.status} ${answer.body.toString().slice(0, 300)}`);
             assert.equal(JSON.parse(answer.body.toString()).choices[0].message.content, 'ok');
           };
           await sleep(1000);
           const idle = rssBytes(pid);

           const one = sampleRss(pid, 20);
           await send();
           one.stop();
           await sleep(3000);
           const afterOne = rssBytes(pid);

           const four = sampleRss(pid, 20);
           await Promise.all([send(), send(), send(), send()]);
           four.stop();
           await sleep(3000);
           const afterFour = rssBytes(pid);

           const figures = `# item 9 on ${route} (${(body.length / 1e6).toFixed(1)} MB body, ` +
             `200,000 messages): idle ${mib(idle)}; one body: peak ${mib(one.peak())}, ` +
             `3 s after ${mib(afterOne)}; four at once: peak ${mib(four.peak())}, ` +
             `3 s after ${mib(afterFour)}`;
           console.log(figures);
           assert.ok(local.alive(), `the process exited\n${figures}`);
           assert.ok(one.peak() < kItem9PeakBytes,
                     `one 6 MB body took RSS to ${mib(one.peak())}, not under 60 MB\n${figures}`);
           assert.ok(afterFour <= idle + kItem9SettleBytes,
                     `3 s after four 6 MB bodies RSS is ${mib(afterFour)}, not back near idle ` +
                     `(${mib(idle)} + ${mib(kItem9SettleBytes)})\n${figures}`);
         } finally {
           await local.stop();
           small.closeAllConnections();
           await new Promise((resolve) => small.close(resolve));
         }
       });
  }
});
