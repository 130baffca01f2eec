'use strict';
// Starts the real `kubectl-agentgateway run` on 127.0.0.1 with every port picked by the kernel,
// waits for its banner, and stops it again. The process gets a minimal environment (PATH plus
// what the test passes), so provider keys of the developer's shell never leak into a test.

const { spawn } = require('node:child_process');
const path = require('node:path');

const kSourceDir = path.resolve(__dirname, '..', '..', '..');
const kBinary = process.env.AGW_BINARY || path.join(kSourceDir, 'build', 'kubectl-agentgateway');
const kStartTimeoutMs = 20000;
const kStopTimeoutMs = 5000;
// An upper bound on any emulator's life, in case the test process is killed before it can stop
// it (a CTest timeout): coreutils `timeout` ends it then.
const kMaxLifetimeSeconds = 300;

// Emulators still running when the test process ends (a failed assertion skips `after`).
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function example(name) {
  return path.join(kSourceDir, 'testdata', 'examples', name);
}

function manifest(name) {
  return path.join(__dirname, '..', 'manifests', name);
}

// Starts `run -f <each input>` with `--port P=0` for each gateway port in `ports`, `--admin-port
// 0`, and `args`. Resolves to { urls: {gatewayPort: 'http://127.0.0.1:N'}, output(), stop() }
// once the banner is complete; rejects with the process output when it exits or stalls first.
async function startEmulator({ inputs, ports, args = [], env = {} }) {
  const argv = ['run'];
  for (const input of inputs) argv.push('-f', input);
  for (const port of ports) argv.push('--port', `${port}=0`);
  argv.push('--admin-port', '0', ...args);
  const child = spawn('timeout', ['-k', '5', String(kMaxLifetimeSeconds), kBinary, ...argv], {
    cwd: kSourceDir,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data) => { stdout += data; });
  child.stderr.on('data', (data) => { stderr += data; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    running.delete(child);
    resolve({ code, signal });
  }));

  const output = () => `--- stdout\n${stdout}--- stderr\n${stderr}`;
  const stop = async () => {
    if (!running.has(child)) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), kStopTimeoutMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };

  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`kubectl-agentgateway run did not print its banner in ${kStartTimeoutMs} ms\n` +
                       output()));
    }, kStartTimeoutMs);
    const check = () => {
      if (stdout.includes('Press Ctrl-C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`kubectl-agentgateway ${argv.join(' ')} exited (${code ?? signal}) ` +
                       `before serving\n${output()}`));
    });
  });

  // "  Gateway ns/name port 8080 (listener llm-providers) -> http://127.0.0.1:41234"
  const urls = {};
  for (const match of stdout.matchAll(/^ {2}Gateway \S+ port (\d+) .*-> (http:\/\/127\.0\.0\.1:\d+)$/gm)) {
    urls[match[1]] = match[2];
  }
  for (const port of ports) {
    if (!urls[port]) {
      await stop();
      throw new Error(`no banner line for gateway port ${port}\n${output()}`);
    }
  }
  return { urls, output, stop };
}

module.exports = { startEmulator, example, manifest, kBinary };
