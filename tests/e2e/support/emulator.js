'use strict';
// Starts the real `kubectl-agentgateway run` on 127.0.0.1 with every port picked by the kernel,
// waits for its banner, and stops it again. The process gets a minimal environment (PATH plus
// what the test passes), so provider keys of the developer's shell never leak into a test.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
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

// The pids of a process's children, from /proc (the kernel lists them per thread).
function childPids(pid) {
  const pids = [];
  let tasks = [];
  try { tasks = fs.readdirSync(`/proc/${pid}/task`); } catch { return pids; }
  for (const task of tasks) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8');
      for (const child of text.split(/\s+/)) if (child !== '') pids.push(Number(child));
    } catch { /* the thread ended meanwhile */ }
  }
  return pids;
}

// Starts `run -f <each input>` with `--port P=0` for each gateway port in `ports`, `--admin-port
// 0`, and `args`. Resolves to { urls: {gatewayPort: 'http://127.0.0.1:N'}, adminUrl, output(),
// stdout(), stderr(), alive(), pid(), stop() } once the banner is complete; rejects with the
// process output when it exits or stalls first. `fdLimit` starts the binary with that soft and
// hard limit on open files (`ulimit -n`, through bash, which execs the binary in its place).
// pid() is the binary's own pid (the spawned process is coreutils `timeout`, its parent).
async function startEmulator({ inputs, ports, args = [], env = {}, fdLimit = null }) {
  const argv = ['run'];
  for (const input of inputs) argv.push('-f', input);
  for (const port of ports) argv.push('--port', `${port}=0`);
  argv.push('--admin-port', '0', ...args);
  const command = fdLimit === null
    ? [kBinary, ...argv]
    : ['bash', '-c', `ulimit -n ${Number(fdLimit)} && exec "$@"`, 'bash', kBinary, ...argv];
  const child = spawn('timeout', ['-k', '5', String(kMaxLifetimeSeconds), ...command], {
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
  const admin = /^ {2}admin: (http:\/\/127\.0\.0\.1:\d+)/m.exec(stdout);
  const adminUrl = admin ? admin[1] : null;
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
  const alive = () => running.has(child);
  // The binary's pid, once `timeout` (and bash with fdLimit) has exec'd it: the banner was
  // printed, so it has.
  const pid = () => {
    const pids = childPids(child.pid);
    if (pids.length !== 1) throw new Error(`expected one child of timeout (${child.pid}): [${pids}]`);
    return pids[0];
  };
  return {
    urls, adminUrl, output, stop, alive, pid, exited,
    stdout: () => stdout, stderr: () => stderr,
  };
}

module.exports = { startEmulator, example, manifest, kBinary };
