// Time to first event: POSTs a streaming chat request over one kept-alive connection, one
// request at a time, and measures from handing the request to the socket to the arrival of the
// first complete SSE `data:` line. Prints "p50_ms p99_ms" of the measured requests on stdout.
//
//   node bench/llm/ttfe.js URL BODY_FILE COUNT [HEADER:VALUE ...]
//
// Exits 1 if any answer is not a 200 event stream ending in a complete event: a gateway that
// fails fast must not look fast.
'use strict';
const fs = require('fs');
const http = require('http');

const kWarmup = 20;

function Usage() {
  console.error('usage: node ttfe.js URL BODY_FILE COUNT [HEADER:VALUE ...]');
  process.exit(2);
}

const [url, body_file, count_text, ...header_args] = process.argv.slice(2);
if (!url || !body_file || !count_text) Usage();
const count = Number(count_text);
const body = fs.readFileSync(body_file);
const headers = {'content-type': 'application/json', 'content-length': body.length};
for (const arg of header_args) {
  const colon = arg.indexOf(':');
  if (colon <= 0) Usage();
  headers[arg.slice(0, colon).trim().toLowerCase()] = arg.slice(colon + 1).trim();
}
const agent = new http.Agent({keepAlive: true, maxSockets: 1});

// One request: resolves to the milliseconds until the first `data:` line was complete.
function Measure() {
  return new Promise((resolve, reject) => {
    let first_event_ms = null;
    let head = '';  // what arrived before the first event was complete
    let tail = '';  // the last bytes, to check that the stream ended on a whole event
    let start;
    const request = http.request(url, {method: 'POST', headers, agent}, (response) => {
      response.setEncoding('utf8');
      response.on('data', (text) => {
        if (first_event_ms === null) {
          head += text;
          if (/^data:.*\n/m.test(head)) {
            first_event_ms = Number(process.hrtime.bigint() - start) / 1e6;
          }
        }
        tail = (tail + text).slice(-64);
      });
      response.on('end', () => {
        if (response.statusCode !== 200 || first_event_ms === null ||
            !/text\/event-stream/.test(response.headers['content-type'] || '') ||
            !tail.endsWith('\n\n')) {
          reject(new Error(`${url}: status ${response.statusCode}, ` +
                           `content-type ${response.headers['content-type']}, ` +
                           `ends with ${JSON.stringify(tail.slice(-20))}`));
          return;
        }
        resolve(first_event_ms);
      });
    });
    request.on('error', reject);
    start = process.hrtime.bigint();
    request.end(body);
  });
}

function Percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function Main() {
  for (let i = 0; i < kWarmup; i++) await Measure();
  const times = [];
  for (let i = 0; i < count; i++) times.push(await Measure());
  times.sort((a, b) => a - b);
  console.log(`${Percentile(times, 0.5).toFixed(3)} ${Percentile(times, 0.99).toFixed(3)}`);
  agent.destroy();
}

Main().catch((error) => {
  console.error(`ttfe: ${error.message}`);
  process.exit(1);
});
