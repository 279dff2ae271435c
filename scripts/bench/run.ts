// The hot paths' benchmarks. Run: npm run bench   (needs wrk: installed with apt-get when missing and root)
// (a) Koa hello world, the baseline every ratio is against; (a2) is (a) driven by (c)'s wrk script,
// a control for the client's own cost; (b) bare Koa + ioredis + a trivial Lua script;
// (c) the product's grab endpoint (session, every rule, journal to PostgreSQL) on a mix of winning
// and rejected grabs (the start of a storm: every win's record and follow-up); (c2) the same script
// again once those requirements are full (a storm's tail: every grab rejected); (c') fresh ones at a
// steady half of (c)'s rate (latency on a busy day), all open at once, so its wins come in its first
// second; (c2') that pace again once they are full (the tail without any win's follow-up); (c'ˢ) that
// pace on fresh ones opening in even steps over the run (the wins spread, as on a steady day);
// (d) reply-to-grab: signed `抢 <code>` messages from 1,000 bound planners to 200 requirements on
// /wechat/callback; (e) 1,000 such replies arriving at once, written on raw sockets; (e') the same
// through node's HTTP client, whose own cost on these 2 cores shows in its clock. After the rounds,
// (c×2) and (c2×2): (c) and (c2) once on two web processes (WEB_CONCURRENCY=2), labelled as such.
// (f) the refusal's floor (servers/grab-floor.ts): (c2)'s requests, right after (c2), answered by
// node:http with the product's grabOne script on the same keys and nothing else of the product
// (one Redis server only): (c2) against (f) is what the product adds to the least a grab must do.
// The product runs as in production: web processes (ROLE=web) and a worker. 100 connections, 10 s a
// run, rounds interleaved; medians go to bench-results/grab.json and reply.json, flame graphs of
// separate profiled runs to bench-results/profiles/ (grab.svg, grab-full.svg for (c2), reply.svg, with
// top-function summaries).
// BENCH_PROFILE_WORKER=1: a flame graph of the worker's whole run as well (profiles/worker.*).
// BENCH_ALTERNATE=K with BENCH_ONLY=grab or reply: after each round, K back-to-back pairs of (c2) and (f), or (d2) and (g), 3 s each (the fairer ratio on a noisy machine).
// BENCH_ONLY=grab|burst|reply|paced: the set-up, then only (a), (c), (c2) and (f) (with the web
// process's CPU per request), (e) (with the web process's and the worker's CPU during each burst),
// (a) and (d) (with the ratios and the web process's CPU per reply) or (c') and (c'ˢ) at BENCH_PACED_RPS, BENCH_ROUNDS
// times, printed and not written: minutes, not 20, while working on one path. BENCH_PROFILE_GRAB=1
// and BENCH_PROFILE_REPLY=1 profile the grab and the reply web process (the .cpuprofile's
// directory is printed). BENCH_PG_STATEMENTS=1 with BENCH_ONLY=grab prints PostgreSQL's statements
// by time over each (c) (pg_stat_statements must be in shared_preload_libraries).
// BENCH_REDIS_STATS=1 with BENCH_ONLY=grab or reply prints Redis's time by command (INFO
// commandstats) over each (c), (c2) and (d), until the worker settled (one server only).
// BENCH_REDIS_CLUSTER=1: the product on a local three-master Redis Cluster instead (started here,
// stopped after; (b) stays on one server): grab-cluster.json, reply-cluster.json, profiles/*-cluster.*.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { signSession } from '../../src/session/session.js';
import { type LocalCluster, startCluster } from '../redis-cluster.js';
import { flameSvg, summarize } from './profile.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 100;
const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REDIS = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CLUSTER = process.env.BENCH_REDIS_CLUSTER === '1';
const ONLY = process.env.BENCH_ONLY;
const PG_STATEMENTS = process.env.BENCH_PG_STATEMENTS === '1';
const REDIS_STATS = process.env.BENCH_REDIS_STATS === '1' && !CLUSTER;
const SUFFIX = CLUSTER ? '-cluster' : '';
const SECRET = 'bench-session-secret-0123456789abcdef';
const OPS = 'bench-ops-token-0123456789';
const GROUPS = 40; // destinations; planners serve one each, so every requirement has ~50 candidates (each told by a template message)
const PLANNERS = 2000;
const SUPPLIERS = 300;
const REQS_PER_ROUND = 300;
const REPLY_PLANNERS = 1000;
const REPLY_REQS = 200;
const PACED_CONNECTIONS = 50;
/** The product's event stream: `dz:<namespace>:events` (BullMQ's streams end in `:events` too). */
const EVENTS_KEY = /^dz:[^:]+:events$/;
const TOKEN = 'sandbox-token'; // the sandbox's callback token (no WeChat credentials set)

function ensureWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') return; // wrk --version exits 1 but exists
    console.log('installing wrk (Debian package)');
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk'], { stdio: 'inherit' });
  }
}

/**
 * The product and the comparison servers run compiled, as in production (docs/production.md, "The
 * build"): the product from build/, each server from build/bench-servers/ (npm run build compiles
 * both). BENCH_TSX=1 runs both through tsx instead.
 */
const TSX = process.env.BENCH_TSX === '1';
const compiled = (file: string) => file.replace(/^scripts\/bench\/servers\/(.+)\.ts$/, 'build/bench-servers/$1.js');

function serve(args: string[], env: Record<string, string> = {}, profileDir?: string): Promise<ChildProcess> {
  const [file, ...rest] = args;
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...prof, ...(TSX ? ['--import', 'tsx', ...args] : [compiled(file), ...rest])], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((ok, fail) => {
    child.on('exit', (code) => fail(new Error(`${args[0]} exited ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      if (/ready|listening/.test(d.toString())) ok(child);
    });
  });
}

async function waitHealthy(url: string) {
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

interface Run {
  offered?: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  requests: number;
  /** Cores used during the run, by process (coresDuring). */
  cores?: Record<string, number>;
  /** The web process's read and write system calls and bytes per second meanwhile (/proc/PID/io): per request, they do not move with a noisy neighbour. */
  syscalls?: Syscalls;
}
interface Syscalls {
  read: number;
  write: number;
  bytesRead: number;
  bytesWritten: number;
}

function ms(v: string, unit: string): number {
  return Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit];
}

function wrk(url: string, script?: string, connections = CONNECTIONS, seconds = SECONDS): Run {
  const args = ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', ...(script ? ['-s', script] : []), url];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const lat = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s|m)`).exec(out);
    return m ? ms(m[1], m[2]) : NaN;
  };
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: lat('50'),
    p99: lat('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)![1]),
  };
}

/** CPU seconds a process has used so far, user + system (Linux /proc; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  return procStat(pid).own;
}

/** A process's name, its own CPU seconds and those of its reaped children (/proc/<pid>/stat). */
function procStat(pid: number | string): { comm: string; own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    own: (Number(f[11]) + Number(f[12])) / 100,
    children: (Number(f[13]) + Number(f[14])) / 100,
  };
}

/**
 * Where the machine's cores went while `work` ran: cores used (CPU seconds over wall seconds) by the
 * process under test, the worker, the set-up process (it serves the WeChat sandbox, WeChat's stand-in:
 * template messages go to it and it calls back), Redis, PostgreSQL (every backend), wrk, and the
 * machine in all (/proc/stat). The product shares 2 cores with all of them: a web process that idles
 * is waiting for one of the others.
 */
function coresDuring<T>(
  pids: { web: number; worker?: number; sandbox?: number },
  work: () => T,
): { result: T; cores: Record<string, number>; syscalls: Syscalls } {
  // CPU seconds per process, by pid: a process that began during the run counts from zero (one that
  // ended during it is missed: a PostgreSQL backend closed meanwhile).
  const snap = () => {
    const by = new Map<string, { kind: string; s: number }>();
    for (const pid of readdirSync('/proc').filter((f) => /^\d+$/.test(f))) {
      let stat: ReturnType<typeof procStat>;
      try {
        stat = procStat(pid);
      } catch {
        continue; // gone meanwhile
      }
      const { comm, own } = stat;
      const n = Number(pid);
      if (n === pids.web) by.set(pid, { kind: 'web', s: own });
      else if (n === pids.worker) by.set(pid, { kind: 'worker', s: own });
      else if (n === pids.sandbox) by.set(pid, { kind: 'sandbox', s: own });
      else if (comm.startsWith('redis-server')) by.set(pid, { kind: 'redis', s: own });
      else if (comm === 'postgres') by.set(pid, { kind: 'postgres', s: own });
      else if (n === process.pid) by.set(pid, { kind: 'wrk', s: stat.children }); // reaped children: wrk
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    by.set('machine', { kind: 'machine', s: (cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu[7] ?? 0)) / 100 });
    return by;
  };
  const io = () => {
    const text = readFileSync(`/proc/${pids.web}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)?.[1]);
    return { read: field('syscr'), write: field('syscw'), bytesRead: field('rchar'), bytesWritten: field('wchar') };
  };
  const [before, io0, t0] = [snap(), io(), performance.now()];
  const result = work();
  const [after, io1, wall] = [snap(), io(), (performance.now() - t0) / 1000];
  const used: Record<string, number> = { web: 0, worker: 0, sandbox: 0, redis: 0, postgres: 0, wrk: 0, machine: 0 };
  for (const [pid, { kind, s }] of after) used[kind] += s - (before.get(pid)?.s ?? 0);
  return {
    result,
    cores: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, +(v / wall).toFixed(2)])),
    syscalls: {
      read: Math.round((io1.read - io0.read) / wall),
      write: Math.round((io1.write - io0.write) / wall),
      bytesRead: Math.round((io1.bytesRead - io0.bytesRead) / wall),
      bytesWritten: Math.round((io1.bytesWritten - io0.bytesWritten) / wall),
    },
  };
}

/** The product's own grab latency histogram, per outcome (won, refused…): cumulative counts by bucket bound (seconds). */
async function grabHistogram(url: string): Promise<Record<string, Record<string, number>>> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${OPS}` } })).text();
  const out: Record<string, Record<string, number>> = {};
  for (const m of text.matchAll(/^grab_request_duration_seconds_bucket\{le="([^"]+)",pid="\d+",outcome="(\w+)"\} (\d+)$/gm))
    (out[m[2]] ??= {})[m[1]] = Number(m[3]);
  return out;
}

/**
 * What happened between two scrapes, per outcome: how many, and the bucket bounds under which half
 * and 99% of them were answered (the product's clock, arrival to last byte).
 */
function latencyByOutcome(before: Record<string, Record<string, number>>, after: Record<string, Record<string, number>>) {
  return Object.fromEntries(
    Object.entries(after).map(([outcome, buckets]) => {
      const counts = Object.entries(buckets)
        .map(([le, n]) => [le, n - (before[outcome]?.[le] ?? 0)] as const)
        .sort(([a], [b]) => Number(a.replace('+Inf', 'Infinity')) - Number(b.replace('+Inf', 'Infinity'))); // "1" and "5" sort first as keys
      const total = counts.find(([le]) => le === '+Inf')?.[1] ?? 0;
      const under = (q: number) => {
        const hit = counts.find(([, n]) => n >= q * total);
        return hit ? (hit[0] === '+Inf' ? '> 5 s' : `≤ ${Number(hit[0]) * 1000} ms`) : '';
      };
      return [outcome, { n: total, p50: under(0.5), p99: under(0.99) }];
    }),
  );
}

/** A run's CPU over its wins (a run's rejections are in the web's share too: a ceiling per win, not a price). */
interface Cost {
  wins: number;
  requests: number;
  webCpuS: number;
  workerCpuS: number;
  redisCommands: number;
  pgTransactions: number;
}

/**
 * A run's costs per win and per request (medians over the rounds). Redis commands and PostgreSQL
 * transactions are the whole product's, the settling's own few included.
 */
function perWin(runs: Cost[]) {
  const ms = (f: (r: Cost) => number) => median(runs.map((r) => (1000 * f(r)) / Math.max(1, r.wins)));
  const per = (f: (r: Cost) => number, by: (r: Cost) => number) => +median(runs.map((r) => f(r) / Math.max(1, by(r)))).toFixed(3);
  return {
    wins: median(runs.map((r) => r.wins)),
    workerMsPerWin: ms((r) => r.workerCpuS),
    webMsPerRun: median(runs.map((r) => 1000 * r.webCpuS)),
    webUsPerRequest: per(
      (r) => 1e6 * r.webCpuS,
      (r) => r.requests,
    ),
    redisCommandsPerRequest: per(
      (r) => r.redisCommands,
      (r) => r.requests,
    ),
    pgTransactionsPerWin: per(
      (r) => r.pgTransactions,
      (r) => r.wins,
    ),
    runs,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(url: string, path: string, body: unknown) {
  const send = () =>
    fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPS}` },
      body: JSON.stringify(body),
    });
  // wrk runs synchronously (execFileSync), so this process's idle keep-alive sockets are not
  // retired while it runs: after a long stretch of runs the server (65 s) may have closed one first.
  // Such a request never reached the server: sent again on a new connection.
  const res = await send().catch((err: { cause?: { code?: string } }) => {
    if (err.cause?.code !== 'UND_ERR_SOCKET') throw err;
    return send();
  });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ id: number; code: string }>;
}

/** A signed callback query (plaintext mode): each request needs its own nonce (replays are refused). */
function signedQuery(timestamp: string, nonce: string): string {
  const signature = createHash('sha1').update([TOKEN, timestamp, nonce].sort().join('')).digest('hex');
  return `?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`;
}

/**
 * Signed queries for a run of refused replies ((d2), (g)): each (timestamp, nonce) is used once, and
 * refusals go faster than wins: at 15,000 a second 150,000 ran out within the 10 s and came round
 * again with another body, a replay the product refuses (and the floor stops on).
 */
const REFUSED_SIGNATURES = 320_000;

const luaList = (xs: string[]) => `{ ${xs.map((x) => `"${x}"`).join(',')} }`;

/** wrk script: replies `抢 <code>` from bound planners to requirements of their destination, each with its own signature and MsgId. */
function replyScript(round: number, openids: string[][], codes: string[][], signatures: number): string {
  const ts = String(Math.floor(Date.now() / 1000));
  const qs: string[] = [];
  for (let i = 0; i < signatures; i++) qs.push(signedQuery(ts, `r${round}n${i}`));
  return `
local qs = ${luaList(qs)}
local openids = { ${openids.map(luaList).join(',\n')} }
local codes = { ${codes.map(luaList).join(',\n')} }
local n = 0
local threads = 0
setup = function(thread) thread:set("tid", threads); threads = threads + 1 end
request = function()
  n = n + 1
  local k = (n * 2 + tid) % #qs + 1
  local g = math.random(#codes)
  local who = openids[g][math.random(#openids[g])]
  local body = string.format('<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[抢 %s]]></Content><MsgId>%d</MsgId></xml>',
    who, os.time(), codes[g][math.random(#codes[g])], ${round} * 1000000000 + tid * 100000000 + n)
  return wrk.format("POST", "/wechat/callback" .. qs[k], { ["Content-Type"] = "text/xml" }, body)
end
`;
}

/** wrk script: grabs by random planners of each requirement's destination (a mix of wins and rejections). */
/**
 * wrk's script for the grab runs: each request a random planner of a random requirement's group.
 * `pace` spreads each connection's requests (about `rps` in all); with `openOverSeconds` the
 * requirements open in even steps, one step a second (a wave of new requirements every second, as
 * on a steady day), instead of all at once.
 */
function grabScript(
  cookies: string[][],
  batch: { id: number; g: number }[],
  pace?: { connections: number; rps: number; openOverSeconds?: number },
): string {
  return `
local groups = { ${cookies.map(luaList).join(',\n')} }
local reqs = { ${batch.map((b) => `{${b.id},${b.g + 1}}`).join(',')} }
local openOver, t0 = ${pace?.openOverSeconds ?? 0}, nil
request = function()
  local open = #reqs
  if openOver > 0 then
    t0 = t0 or os.time()
    open = math.max(1, math.min(#reqs, math.floor(#reqs * (os.time() - t0 + 1) / openOver)))
  end
  local r = reqs[math.random(open)]
  local g = groups[r[2]]
  return wrk.format("POST", "/api/planner/grabs", { ["Content-Type"] = "application/json", ["Cookie"] = g[math.random(#g)] }, '{"requirementId":' .. r[1] .. '}')
end
${pace ? `delay = function() return math.random(0, ${Math.round((2000 * pace.connections) / pace.rps)}) end` : ''}
`;
}

/** The burst on raw sockets: prepared requests, answers read by Content-Length. */
async function rawBurst(url: string, replies: { path: string; body: string }[], atStart?: () => void): Promise<Answer[]> {
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    replies.map(
      () =>
        new Promise<Socket>((ok, fail) => {
          const s = connect({ host: hostname, port: Number(port) }, () => ok(s));
          s.setNoDelay(true);
          s.once('error', fail);
        }),
    ),
  );
  const requests = replies.map(({ path, body }) => {
    const b = Buffer.from(body);
    const head = `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: text/xml\r\nContent-Length: ${b.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), b]);
  });
  /** Writes one request on `s` and reads its whole answer (Content-Length), timed from `t0`. */
  const exchange = (s: Socket, request: Buffer, t0: () => number) =>
    new Promise<Answer>((ok, fail) => {
      let got = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = got.subarray(0, end).toString('latin1');
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (got.length < end + 4 + length) return;
        const ms = performance.now() - t0();
        s.off('data', onData).off('error', fail);
        const dur = /server-timing:[^\r]*dur=([\d.]+)/i.exec(head);
        ok({
          ms,
          answerMs: dur ? Number(dur[1]) : NaN,
          status: Number(head.slice(9, 12)),
          text: got.subarray(end + 4, end + 4 + length).toString('utf8'),
        });
      };
      s.on('data', onData).once('error', fail);
      s.write(request);
    });
  // Warm: one request per connection first, so the server has accepted every one of them.
  const warm = Buffer.from(`GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`);
  await Promise.all(sockets.map((s) => exchange(s, warm, () => 0)));
  atStart?.();
  const t0 = performance.now(); // every request is written within this tick (a write each)
  const answers = await Promise.all(sockets.map((s, i) => exchange(s, requests[i], () => t0)));
  for (const s of sockets) s.destroy();
  return answers;
}

/** The burst through node's HTTP client (kept-alive agent, one socket per reply, warmed first). */
async function httpBurst(url: string, replies: { path: string; body: string }[]): Promise<Answer[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: replies.length });
  const get = (path: string) =>
    new Promise<void>((ok, fail) => {
      http.get(`${url}${path}`, { agent }, (res) => res.resume().on('end', () => ok())).on('error', fail);
    });
  await Promise.all(replies.map(() => get('/healthz')));
  const t0 = performance.now();
  const answers = await Promise.all(
    replies.map(
      (b) =>
        new Promise<Answer>((ok, fail) => {
          const req = http.request(`${url}${b.path}`, { method: 'POST', agent, headers: { 'content-type': 'text/xml' } }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => (text += c));
            res.on('end', () => {
              const dur = /dur=([\d.]+)/.exec(String(res.headers['server-timing'] ?? ''));
              ok({ ms: performance.now() - t0, answerMs: dur ? Number(dur[1]) : NaN, status: res.statusCode ?? 0, text });
            });
          });
          req.on('error', fail);
          req.end(b.body);
        }),
    ),
  );
  agent.destroy();
  return answers;
}

type Answer = { ms: number; answerMs: number; status: number; text: string };

/**
 * 1,000 replies arriving at once: 1,000 connections are opened (and warmed with one request) first,
 * then every request is written in one go. Latency counts from that moment (the queue inside the
 * server included); `answerMs` is the product's own clock (server-timing: arrival to answer), what
 * WeChat's 5 s is about. `client`: 'raw' writes prepared requests on raw sockets and reads answers
 * by Content-Length, the server's figure; 'node-http' is node's HTTP client, which on these 2
 * cores spends a large part of the client's clock writing and reading 1,000 requests itself (kept
 * as a second row so the difference stays measured in the same run).
 */
async function burst(
  url: string,
  round: number,
  openids: string[],
  codes: string[][],
  groupOf: (i: number) => number,
  client: 'raw' | 'node-http',
  atStart?: () => void,
) {
  const ts = String(Math.floor(Date.now() / 1000));
  const replies = openids.map((openid, i) => {
    const mine = codes[groupOf(i)];
    const code = mine[i % mine.length];
    return {
      path: `/wechat/callback${signedQuery(ts, `${client === 'raw' ? 'b' : 'h'}${round}n${i}`)}`,
      body: `<xml><ToUserName><![CDATA[gh_sandbox]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${ts}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[抢 ${code}]]></Content><MsgId>${9e12 + round * 1e6 + (client === 'raw' ? 0 : 5e5) + i}</MsgId></xml>`,
    };
  });
  const answers = client === 'raw' ? await rawBurst(url, replies, atStart) : await httpBurst(url, replies);
  const ms = answers.map((a) => a.ms);
  const answerMs = answers.map((a) => a.answerMs);
  return {
    replies: answers.length,
    p50Ms: quantile(ms, 0.5),
    p99Ms: quantile(ms, 0.99),
    maxMs: Math.max(...ms),
    answerP50Ms: quantile(answerMs, 0.5),
    answerP99Ms: quantile(answerMs, 0.99),
    non200: answers.filter((a) => a.status !== 200).length,
    won: answers.filter((a) => a.text.includes('抢单成功')).length,
    refused: answers.filter((a) => a.text.includes('抢单失败')).length,
    late: answers.filter((a) => a.text === 'success').length, // answered "success", the reply sent later as a message
  };
}

/**
 * Waits until the worker has nothing left to do (releases run, events delivered to every listener),
 * so a run measures its path, not the set-up's follow-up. Template messages stay queued: they go
 * out at NOTIFY_RATE, a light and steady background, as in production.
 */
async function settled(target: { url: string } | { cluster: string }) {
  const redis =
    'url' in target
      ? new Redis(target.url)
      : new Cluster(target.cluster.split(',').map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })));
  if (redis instanceof Cluster) await new Promise((ok) => redis.once('ready', ok)); // nodes() is empty until then
  const keys = async (pattern: string) =>
    redis instanceof Cluster ? (await Promise.all(redis.nodes('master').map((m) => m.keys(pattern)))).flat() : redis.keys(pattern);
  try {
    const events = (await keys('dz:*:events')).find((k) => EVENTS_KEY.test(k)); // not a BullMQ queue's events
    if (!events) throw new Error('no events stream in the bench database');
    const ns = events.slice(0, -'events'.length);
    const busyLists = (await keys(`${ns}bull{*`)).filter((k) => /:(wait|active)$/.test(k) && !k.includes(':notify:'));
    const t0 = Date.now();
    for (let quiet = 0; quiet < 2; ) {
      if (Date.now() - t0 > 300_000) throw new Error('the worker did not settle within 5 minutes');
      const groups = (await redis.xinfo('GROUPS', events)) as (string | number)[][];
      const behind = groups.reduce((n, g) => {
        const f = Object.fromEntries(Array.from({ length: g.length / 2 }, (_, j) => [g[2 * j], g[2 * j + 1]]));
        return n + Number(f.lag ?? 0) + Number(f.pending ?? 0);
      }, 0);
      const jobs = (await Promise.all(busyLists.map((k) => redis.llen(k)))).reduce((a, b) => a + b, 0);
      quiet = behind + jobs === 0 ? quiet + 1 : 0;
      await sleep(250);
    }
    console.log(`worker settled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    redis.disconnect();
  }
}

interface Product {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

async function product(env: Record<string, string>, port: number | null, profileDir?: string): Promise<Product> {
  const proc = spawn(
    process.execPath,
    [
      ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
      ...(TSX ? ['--import', 'tsx', 'src/main.ts'] : ['build/main.js']),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...env, ...(port ? { PORT: String(port), ROLE: 'web' } : { ROLE: 'worker' }) },
    },
  );
  const exited = new Promise<void>((ok) => proc.once('exit', () => ok()));
  const url = port ? `http://127.0.0.1:${port}` : '';
  if (port)
    await waitHealthy(`${url}/healthz`).catch((err) => {
      proc.kill('SIGKILL'); // not left holding its port
      throw err;
    });
  return {
    url,
    proc,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

/** The flame graph and top functions of a process's profile (its last `lastSeconds`, 0: all of it), kept in bench-results/profiles/. */
function keepProfile(dir: string, name: string, lastSeconds = SECONDS) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile in ${dir}`);
  const { summary, folded } = summarize(JSON.parse(readFileSync(resolve(dir, file), 'utf8')), lastSeconds);
  const out = resolve(ROOT, 'bench-results/profiles');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    resolve(out, `${name}.svg`),
    flameSvg(folded, lastSeconds ? `${name}: under wrk, last ${lastSeconds} s` : `${name}: its whole run`),
  );
  writeFileSync(resolve(out, `${name}.json`), JSON.stringify(summary, null, 2));
  return summary;
}

/** `base`: (a)'s summary, for the ratios (by throughput, and by the web process's CPU per request). */
const row = (r: { rps?: number; p50Ms: number; p99Ms: number; webUsPerRequest?: number }, base?: ReturnType<typeof summarizeRuns>) => ({
  'req/s': r.rps === undefined ? '' : Math.round(r.rps),
  'p50 ms': r.p50Ms,
  'p99 ms': r.p99Ms,
  'vs (a)': base && r.rps !== undefined ? +(r.rps / base.rps).toFixed(3) : '',
  'web µs/req': r.webUsPerRequest ?? '',
  'vs (a) per web CPU': (base && perCpu(base.webUsPerRequest, r.webUsPerRequest)) ?? '',
});

/** How many of a path's requests (`pathUs` of web CPU each) the web process serves in the CPU time of one of the base's (1: as cheap). */
const perCpu = (baseUs: number | undefined, pathUs: number | undefined) => (baseUs && pathUs ? +(baseUs / pathUs).toFixed(3) : null);

/** The web process's system calls per request (reads, writes). */
const perRequest = (r: Run) =>
  r.syscalls && {
    read: +(r.syscalls.read / r.rps).toFixed(2),
    write: +(r.syscalls.write / r.rps).toFixed(2),
    bytesRead: Math.round(r.syscalls.bytesRead / r.rps),
    bytesWritten: Math.round(r.syscalls.bytesWritten / r.rps),
  };
/**
 * The web process's CPU per request in a run (wrk's requests over the cores `coresDuring` saw it
 * use): what a request costs the process itself, whatever else ran on the machine meanwhile.
 */
const webUsOf = (r: Run) => (r.cores?.web ? (1e6 * r.cores.web) / r.rps : undefined);

/** BENCH_ALTERNATE: how many back-to-back pairs `alternate` runs. */
const PAIRS = Number(process.env.BENCH_ALTERNATE ?? 0);

/**
 * The product against its floor in PAIRS back-to-back pairs of runs (3 s each): the machine's mood
 * drifts over a minute (the grab floor alone measured 29 µs and 50 µs within the hour), and a pair's
 * two halves see the same one. The ratio is of the pairs' summed web CPU per request.
 */
function alternate(product: (i: number) => Run, floor: (i: number) => Run) {
  const sum = { product: { us: 0, n: 0 }, floor: { us: 0, n: 0 } };
  const each: number[] = [];
  const calls: { product?: ReturnType<typeof perRequest>; floor?: ReturnType<typeof perRequest> }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [p, f] = [product(i), floor(i)];
    calls.push({ product: perRequest(p), floor: perRequest(f) });
    const [pUs, fUs] = [webUsOf(p) ?? 0, webUsOf(f) ?? 0];
    each.push(+(fUs / pUs).toFixed(3));
    sum.product.us += pUs * p.requests;
    sum.product.n += p.requests;
    sum.floor.us += fUs * f.requests;
    sum.floor.n += f.requests;
  }
  const [pUs, fUs] = [sum.product.us / sum.product.n, sum.floor.us / sum.floor.n];
  return {
    pairs: PAIRS,
    productUs: +pUs.toFixed(1),
    floorUs: +fUs.toFixed(1),
    perWebCpu: +(fUs / pUs).toFixed(3),
    each,
    // System calls per request of the last pair, reads and writes (a count, steadier than a time).
    syscallsPerRequest: calls.at(-1),
  };
}

function summarizeRuns(runs: Run[]) {
  const keys = Object.keys(runs[0]?.cores ?? {});
  return {
    rps: median(runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.p50)),
    p99Ms: median(runs.map((r) => r.p99)),
    ...(keys.includes('web') ? { webUsPerRequest: +median(runs.map((r) => webUsOf(r) ?? 0)).toFixed(1) } : {}),
    ...(keys.length ? { cores: Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r.cores?.[k] ?? 0))])) } : {}),
    runs,
  };
}

async function main() {
  ensureWrk();
  if (!TSX) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const dbName = 'grab_bench';
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${dbName}`;
  const redisUrl = `${REDIS}/14`;
  let cluster: LocalCluster | undefined;
  if (CLUSTER) cluster = await startCluster(resolve(tmpdir(), 'bench-redis-cluster'));
  else {
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
  }
  const redisTarget = cluster ? { cluster: cluster.nodes } : { url: redisUrl };

  const env = {
    ...(cluster ? { REDIS_CLUSTER_NODES: cluster.nodes } : { REDIS_URL: redisUrl }),
    DATABASE_URL: dbUrl.toString(),
    OPS_API_TOKEN: OPS,
    SESSION_SECRET: SECRET,
    TIER_DELAYS: 'S:0,A:0,B:0,C:0',
    GRAB_RATE_IP: '1000000000',
    GRAB_RATE_PLANNER: '1000000',
    DAILY_GRAB_QUOTA: '1000000',
    MAX_CONNECTIONS: '20000',
    MAX_CONNECTIONS_PER_IP: '5000',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test', // production needs real WeChat credentials
    PUBLIC_URL: 'http://127.0.0.1:3105', // the set-up process: the sandbox's WeChat API that messages go to
  };
  const [pa, pb, pc, pd, ps] = [3101, 3102, 3103, 3104, 3105];
  // Whatever fails below, everything started here is stopped (a leftover would hold its port).
  const children: ChildProcess[] = [];
  const products: Product[] = [];
  try {
    children.push(await serve(['scripts/bench/servers/koa-hello.ts', String(pa)]));
    children.push(await serve(['scripts/bench/servers/koa-redis.ts', String(pb), `${REDIS}/15`]));
    // The layout docs/operations.md recommends: web processes (ROLE=web) and a worker (releases, deadlines,
    // messages, live fan-out). (c) takes the grabs, (d) the replies, (s) the ops API of the set-up.
    const start = async (port: number | null, profileDir?: string) => {
      const p = await product(env, port, profileDir);
      products.push(p);
      return p;
    };
    // BENCH_PROFILE_WORKER=1: the worker's whole life as a flame graph too (set-up included), profiles/worker.*
    const workerProfile = process.env.BENCH_PROFILE_WORKER === '1' ? mkdtempSync(resolve(tmpdir(), 'bench-prof-worker-')) : undefined;
    const worker = await start(null, workerProfile);
    // What a win costs the whole product: CPU seconds of the web process and of the worker (its
    // follow-up: events, live fan-out, messages) from the start of a run until the worker settled.
    const db = new pg.Client({ connectionString: dbUrl.toString() });
    await db.connect();
    const workOrders = async () => Number((await db.query('SELECT count(*) AS n FROM work_orders')).rows[0].n);
    const costs: Record<'c' | 'cFull' | 'd', Cost[]> = { c: [], cFull: [], d: [] };
    // Work counted, not timed (a count does not move with a noisy neighbour): Redis commands (every
    // server's) and PostgreSQL transactions (each statement outside a transaction is one), all of the
    // product's processes together, from a run's start until the worker settled.
    const redisCommands = async () => {
      const nodes = cluster ? cluster.nodes.split(',').map((n) => `redis://${n}`) : [redisUrl];
      let n = 0;
      for (const url of nodes) {
        const r = new Redis(url, { lazyConnect: true });
        await r.connect();
        n += Number(/total_commands_processed:(\d+)/.exec(await r.info('stats'))?.[1] ?? 0);
        r.disconnect();
      }
      return n;
    };
    const pgTransactions = async () => {
      await sleep(1100); // backends report their counts at most once a second
      const { rows } = await db.query('SELECT sum(xact_commit + xact_rollback)::bigint AS n FROM pg_stat_database');
      return Number(rows[0].n);
    };
    const counts = async () => ({ redis: await redisCommands(), pg: await pgTransactions() });
    // BENCH_PG_STATEMENTS=1: where (c)'s PostgreSQL time went (see the header).
    if (PG_STATEMENTS) await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const statements = async () =>
      (
        await db.query(
          `SELECT calls, rows, round(total_exec_time::numeric, 1) AS exec_ms, round(total_plan_time::numeric, 1) AS plan_ms,
                  left(regexp_replace(query, '\\s+', ' ', 'g'), 140) AS query
             FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time + total_plan_time DESC LIMIT 15`,
        )
      ).rows;
    // BENCH_REDIS_STATS=1: where Redis's time went (INFO commandstats), from a run's start until the worker settled.
    const redisStats = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
      if (!REDIS_STATS) return run();
      const r = new Redis(redisUrl);
      await r.config('RESETSTAT');
      const result = await run();
      const rows = [...(await r.info('commandstats')).matchAll(/cmdstat_(\S+):calls=(\d+),usec=(\d+)/g)].map((m) => ({
        command: m[1],
        calls: Number(m[2]),
        usec: Number(m[3]),
      }));
      r.disconnect();
      const total = rows.reduce((n, x) => n + x.usec, 0);
      console.log(`${label}: Redis's time by command, ${(total / 1000).toFixed(0)} ms in all`);
      console.table(
        rows
          .sort((x, y) => y.usec - x.usec)
          .slice(0, 12)
          .map((x) => ({ ...x, share: +(x.usec / total).toFixed(3), usPerCall: +(x.usec / x.calls).toFixed(2) })),
      );
      return result;
    };
    /** One wrk run on `web`, then the worker let settle: the run, and the CPU and the work its wins cost. */
    const measured = async (web: Product, path: string, lua: string) => {
      const [w0, k0, n0, c0] = [cpuSeconds(web.proc.pid!), cpuSeconds(worker.proc.pid!), await workOrders(), await counts()];
      const { result: run, cores } = coresDuring({ web: web.proc.pid!, worker: worker.proc.pid!, sandbox: setup.proc.pid! }, () =>
        wrk(`${web.url}${path}`, lua),
      );
      run.cores = cores;
      await settled(redisTarget);
      const [wins, c1] = [(await workOrders()) - n0, await counts()];
      return {
        run,
        cost: {
          wins,
          requests: run.requests,
          webCpuS: cpuSeconds(web.proc.pid!) - w0,
          workerCpuS: cpuSeconds(worker.proc.pid!) - k0,
          redisCommands: c1.redis - c0.redis,
          pgTransactions: c1.pg - c0.pg,
        },
      };
    };
    /** A wrk run with the cores each process used meanwhile. */
    const watched = (pid: number, url: string, lua?: string, connections?: number, seconds?: number): Run => {
      const { result, cores, syscalls } = coresDuring({ web: pid, worker: worker.proc.pid!, sandbox: setup.proc.pid! }, () =>
        wrk(url, lua, connections, seconds),
      );
      return { ...result, cores, syscalls };
    };
    // BENCH_ONLY=grab BENCH_PROFILE_GRAB=1: the grab web process's whole life profiled (its raw profile's directory is printed).
    const grabProfile = ONLY && process.env.BENCH_PROFILE_GRAB === '1' ? mkdtempSync(resolve(tmpdir(), 'bench-prof-grab-')) : undefined;
    if (grabProfile) console.log(`the grab web process's profile: ${grabProfile}`);
    const grabWeb = await start(pc, grabProfile);
    // BENCH_ONLY=burst BENCH_PROFILE_REPLY=1: the reply web process's whole life profiled (its raw profile's directory is printed).
    const replyProfile = ONLY && process.env.BENCH_PROFILE_REPLY === '1' ? mkdtempSync(resolve(tmpdir(), 'bench-prof-burst-')) : undefined;
    if (replyProfile) console.log(`the reply web process's profile: ${replyProfile}`);
    const replyWeb = await start(pd, replyProfile);
    const setup = await start(ps);

    console.log(`setting up ${SUPPLIERS} suppliers and ${PLANNERS} planners`);
    const suppliers = [];
    for (let i = 0; i < SUPPLIERS; i++) suppliers.push((await post(setup.url, '/api/ops/suppliers', { name: `bench-${i}` })).id);
    const cookies: string[][] = Array.from({ length: GROUPS }, () => []);
    const openids: string[][] = Array.from({ length: GROUPS }, () => []);
    const tiers = ['S', 'A', 'B', 'C'];
    for (let i = 0; i < PLANNERS; i++) {
      const g = i % GROUPS;
      const p = await post(setup.url, '/api/ops/planners', {
        supplierId: suppliers[i % SUPPLIERS],
        name: `bench-${i}`,
        phone: `166${String(i).padStart(8, '0')}`,
        tier: tiers[i % 4],
        destinations: [`D${g}`],
        maxActive: 1 + (i % 40),
        openid: `bench-${i}`,
      });
      cookies[g].push(`sid=${signSession(SECRET, { role: 'planner', id: p.id })}`);
      if (i < REPLY_PLANNERS) openids[g].push(`bench-${i}`);
    }

    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    let phoneNo = 0;
    const requirements = async (n: number) => {
      const batch: { id: number; g: number; code: string }[] = [];
      for (let i = 0; i < n; i++) {
        const g = i % GROUPS;
        const r = await post(setup.url, '/api/ops/requirements', {
          traveler: { name: '压测', phone: `155${String(++phoneNo).padStart(8, '0')}` },
          subject: 'individual',
          origin: '上海',
          destinations: [`D${g}`],
          departDate: day,
          returnDate: day,
          adults: 2,
          children: 0,
          budgetFen: 1_000_000,
          plannersWanted: 3,
        });
        batch.push({ id: r.id, g, code: r.code });
      }
      await settled(redisTarget); // releases (all tiers at 0 s) and their messages are the worker's: done before measuring
      return batch;
    };
    // (f) the floor, on the product's keys (its namespace, read off the events stream's key).
    const pf = 3110;
    const pgPort = 3112;
    let floor: ChildProcess | undefined;
    let replyFloor: ChildProcess | undefined;
    // BENCH_PROFILE_FLOOR=1: the floors profiled too (their raw profiles' directory is printed).
    const floorProfile = ONLY && process.env.BENCH_PROFILE_FLOOR === '1' ? mkdtempSync(resolve(tmpdir(), 'bench-prof-floor-')) : undefined;
    if (floorProfile) console.log(`the floors' profiles: ${floorProfile}`);
    if (!cluster) {
      const r = new Redis(redisUrl);
      const events = (await r.keys('dz:*:events')).find((k) => EVENTS_KEY.test(k));
      if (!events) throw new Error('no events stream in the bench database');
      r.disconnect();
      // Both floors take the same arguments: port, Redis, the product's key prefix, their secret, the product's limits.
      const floorServer = (file: string, port: number, secret: string) =>
        serve(
          [
            file,
            String(port),
            redisUrl,
            events.slice(0, -'events'.length),
            secret,
            env.GRAB_RATE_IP,
            env.GRAB_RATE_PLANNER,
            env.DAILY_GRAB_QUOTA,
          ],
          {},
          floorProfile,
        );
      floor = await floorServer('scripts/bench/servers/grab-floor.ts', pf, SECRET);
      children.push(floor);
      // (g) the reply's floor, on the same keys.
      replyFloor = await floorServer('scripts/bench/servers/reply-floor.ts', pgPort, TOKEN);
      children.push(replyFloor);
    }
    const codesByGroup = (batch: { g: number; code: string }[]) =>
      Array.from({ length: GROUPS }, (_, g) => batch.filter((b) => b.g === g).map((b) => b.code));
    const groupOf = (i: number) => Number(openids.flat()[i].slice(6)) % GROUPS;

    const results: Record<'a' | 'a2' | 'b' | 'c' | 'cFull' | 'f' | 'd' | 'paced' | 'pacedSteady' | 'pacedFull', Run[]> = {
      a: [],
      a2: [],
      b: [],
      c: [],
      cFull: [],
      f: [],
      d: [],
      paced: [],
      pacedSteady: [],
      pacedFull: [],
    };
    const bursts: Awaited<ReturnType<typeof burst>>[] = [];
    const httpBursts: Awaited<ReturnType<typeof burst>>[] = []; // the same through node's HTTP client
    /** (c') by outcome, by the product's clock: the wins' share of the tail. */
    const pacedOutcomes: ReturnType<typeof latencyByOutcome>[] = [];
    const steadyOutcomes: ReturnType<typeof latencyByOutcome>[] = [];
    const script = (name: string, text: string) => {
      const file = resolve(tmpdir(), `bench-${name}.lua`);
      writeFileSync(file, text);
      return file;
    };
    /** A paced wrk run on the grab endpoint, with its latency by outcome from the product's own histogram. */
    const pacedRun = async (lua: string) => {
      const h0 = await grabHistogram(grabWeb.url);
      const run = watched(grabWeb.proc.pid!, `${grabWeb.url}/api/planner/grabs`, lua, PACED_CONNECTIONS);
      return { run, outcomes: latencyByOutcome(h0, await grabHistogram(grabWeb.url)) };
    };
    const replyRounds: { a: Run; d2: Run; g?: Run }[] = [];
    if (ONLY === 'reply') {
      // BENCH_ONLY=reply: (a) and (d) alone, BENCH_ROUNDS times, printed with the ratios and the web process's CPU per reply.
      for (let round = 1; round <= ROUNDS; round++) {
        const codes = codesByGroup(await requirements(REPLY_REQS));
        const lua = script(`reply-only-${round}`, replyScript(round, openids, codes, 150_000));
        const a = watched(children[0].pid!, `http://127.0.0.1:${pa}/`);
        const d = await redisStats(`(d) ${round}`, () => measured(replyWeb, '/wechat/callback', lua));
        const webUs = Math.round((1e6 * d.cost.webCpuS) / d.cost.requests);
        // (d2) the same requirements once full (every reply refused or a repeat), then (g) the floor on them.
        await settled(redisTarget);
        const d2 = watched(
          replyWeb.proc.pid!,
          `${replyWeb.url}/wechat/callback`,
          script(`reply-full-${round}`, replyScript(round + 100, openids, codes, REFUSED_SIGNATURES)),
        );
        const g = replyFloor
          ? watched(
              replyFloor.pid!,
              `http://127.0.0.1:${pgPort}/wechat/callback`,
              script(`reply-floor-${round}`, replyScript(round + 200, openids, codes, REFUSED_SIGNATURES)),
            )
          : undefined;
        if (replyFloor && replyFloor.exitCode !== null) throw new Error('the reply floor exited during (g): see its message above');
        // BENCH_ALTERNATE=K: then K back-to-back pairs of (d2) and (g) (see alternate), each run on signatures of its own.
        if (replyFloor && PAIRS > 0) {
          const signed = (seed: number) => script(`reply-pair-${seed}`, replyScript(seed, openids, codes, 80_000));
          const pairs = alternate(
            (i) => watched(replyWeb.proc.pid!, `${replyWeb.url}/wechat/callback`, signed(round * 1000 + 300 + i), undefined, 3),
            (i) => {
              const run = watched(
                replyFloor.pid!,
                `http://127.0.0.1:${pgPort}/wechat/callback`,
                signed(round * 1000 + 600 + i),
                undefined,
                3,
              );
              if (replyFloor.exitCode !== null) throw new Error('the reply floor exited during a pair: see its message above');
              return run;
            },
          );
          console.log(`reply ${round} alternating:`, JSON.stringify(pairs));
        }
        replyRounds.push({ a, d2, g });
        console.log(
          `(d2)/(g) ${round}:`,
          JSON.stringify({
            d2: { rps: d2.rps, p99: d2.p99, webUs: webUsOf(d2), cores: d2.cores, syscallsPerReq: perRequest(d2) },
            g: g && { rps: g.rps, p99: g.p99, webUs: webUsOf(g), cores: g.cores, syscallsPerReq: perRequest(g) },
            d2_over_g_perWebCpu: g
              ? perCpu(webUsOf(d2), webUsOf(g)) === null
                ? null
                : +((webUsOf(g) ?? 0) / (webUsOf(d2) ?? 1)).toFixed(3)
              : null,
          }),
        );
        console.log(
          `(d) ${round}:`,
          JSON.stringify({
            a: a.rps,
            rps: d.run.rps,
            p99: d.run.p99,
            webUsPerReply: webUs,
            wins: d.cost.wins,
            cores: d.run.cores,
            ratios: { d: d.run.rps / a.rps, perWebCpu: perCpu(webUsOf(a), webUsOf(d.run)) },
          }),
        );
      }
      const m = (xs: (number | undefined)[]) => median(xs.filter((x): x is number => x !== undefined));
      const aUs = m(replyRounds.map((r) => webUsOf(r.a)));
      const d2Us = m(replyRounds.map((r) => webUsOf(r.d2)));
      const gUs = m(replyRounds.map((r) => (r.g ? webUsOf(r.g) : undefined)));
      const floors = {
        note: '(d2): signed 抢 <code> replies to requirements already full; (g): the same kind of replies answered by servers/reply-floor.ts (node:http, the signature, the XML reader, arrive-5 and grabOne-14 over the script line, the passive reply). Medians of rounds; web µs per request from the cores the process used.',
        rounds: ROUNDS,
        a_koa_hello_webUs: +aUs.toFixed(1),
        d2_reply_full_webUs: +d2Us.toFixed(1),
        g_reply_floor_webUs: gUs ? +gUs.toFixed(1) : null,
        d2_over_g: gUs ? +(gUs / d2Us).toFixed(3) : null,
        d2_over_a: +(aUs / d2Us).toFixed(3),
        runs: replyRounds,
      };
      writeFileSync(resolve(ROOT, `bench-results/reply-floor${SUFFIX}.json`), `${JSON.stringify(floors, null, 2)}\n`);
      console.log(
        'bench-results/reply-floor.json:',
        JSON.stringify({ d2_over_g: floors.d2_over_g, d2_over_a: floors.d2_over_a, d2Us, gUs }),
      );
      return;
    }
    if (ONLY === 'paced') {
      // BENCH_ONLY=paced: (c') and (c'ˢ) alone at BENCH_PACED_RPS (default 2,500), BENCH_ROUNDS times, printed.
      const rps = Number(process.env.BENCH_PACED_RPS ?? 2500);
      for (let round = 1; round <= ROUNDS; round++) {
        for (const [name, opts] of [
          ["(c')", { connections: PACED_CONNECTIONS, rps }],
          ["(c'ˢ)", { connections: PACED_CONNECTIONS, rps, openOverSeconds: SECONDS }],
        ] as const) {
          const lua = script(`paced-only-${round}`, grabScript(cookies, await requirements(REQS_PER_ROUND), opts));
          const { run, outcomes } = await pacedRun(lua);
          console.log(`${name} ${round}:`, JSON.stringify({ rps: run.rps, p50: run.p50, p99: run.p99, cores: run.cores, outcomes }));
          await settled(redisTarget);
        }
      }
      return;
    }
    if (ONLY === 'grab') {
      // BENCH_ONLY=grab: (a), (c), (c2) and (f) alone, BENCH_ROUNDS times, printed with the ratios and the web's CPU per request.
      for (let round = 1; round <= ROUNDS; round++) {
        const lua = script(`grab-only-${round}`, grabScript(cookies, await requirements(REQS_PER_ROUND)));
        const a = watched(children[0].pid!, `http://127.0.0.1:${pa}/`);
        if (PG_STATEMENTS) await db.query('SELECT pg_stat_statements_reset()');
        const c = await redisStats(`(c) ${round}`, () => measured(grabWeb, '/api/planner/grabs', lua));
        if (PG_STATEMENTS) console.log(`(c) ${round}: PostgreSQL's statements by time`, await statements());
        const cFull = await redisStats(`(c2) ${round}`, () => measured(grabWeb, '/api/planner/grabs', lua));
        const f = floor ? watched(floor.pid!, `http://127.0.0.1:${pf}/api/planner/grabs`, lua) : undefined;
        // BENCH_ALTERNATE=K: then K back-to-back pairs of (c2) and (f) (see alternate).
        if (floor && PAIRS > 0) {
          const pairs = alternate(
            () => watched(grabWeb.proc.pid!, `${grabWeb.url}/api/planner/grabs`, lua, undefined, 3),
            () => watched(floor.pid!, `http://127.0.0.1:${pf}/api/planner/grabs`, lua, undefined, 3),
          );
          console.log(`grab ${round} alternating:`, JSON.stringify(pairs));
        }
        const us = (m: typeof c) => Math.round((1e6 * m.cost.webCpuS) / m.cost.requests);
        console.log(
          `grab ${round}:`,
          JSON.stringify({
            a: a.rps,
            c: { rps: c.run.rps, p99: c.run.p99, wins: c.cost.wins, webUs: us(c), cores: c.run.cores },
            cFull: { rps: cFull.run.rps, p99: cFull.run.p99, webUs: us(cFull), cores: cFull.run.cores },
            f: f && { rps: f.rps, cores: f.cores },
            ratios: { c: c.run.rps / a.rps, cFull: cFull.run.rps / a.rps, cFullOverF: f && cFull.run.rps / f.rps },
            perWebCpu: {
              c: perCpu(webUsOf(a), webUsOf(c.run)),
              cFull: perCpu(webUsOf(a), webUsOf(cFull.run)),
            },
          }),
        );
      }
      return;
    }
    if (ONLY === 'burst') {
      // BENCH_ONLY=burst: (e) alone, BENCH_ROUNDS times, printed and not written (a quick look while working on it).
      for (let round = 1; round <= ROUNDS; round++) {
        await settled(redisTarget);
        const codes = codesByGroup(await requirements(REPLY_REQS));
        let [w0, k0] = [0, 0];
        const b = await burst(replyWeb.url, round, openids.flat(), codes, groupOf, 'raw', () => {
          [w0, k0] = [cpuSeconds(replyWeb.proc.pid!), cpuSeconds(worker.proc.pid!)];
        });
        const cpu = {
          webMs: Math.round((cpuSeconds(replyWeb.proc.pid!) - w0) * 1000),
          workerMs: Math.round((cpuSeconds(worker.proc.pid!) - k0) * 1000),
        };
        console.log(`burst ${round}:`, JSON.stringify({ ...b, cpuDuringBurst: cpu }));
      }
      return;
    }
    for (let round = 1; round <= ROUNDS; round++) {
      // Fresh requirements per run keep a mix of wins and rejections in every run.
      const grabLua = script(`grab-${round}`, grabScript(cookies, await requirements(REQS_PER_ROUND)));
      results.a.push(watched(children[0].pid!, `http://127.0.0.1:${pa}/`));
      results.a2.push(wrk(`http://127.0.0.1:${pa}/`, grabLua));
      results.b.push(watched(children[1].pid!, `http://127.0.0.1:${pb}/`));
      const c = await measured(grabWeb, '/api/planner/grabs', grabLua); // settles: the wins' follow-up done
      results.c.push(c.run);
      costs.c.push(c.cost);
      const cFull = await measured(grabWeb, '/api/planner/grabs', grabLua); // the same requirements, now full: the storm's tail
      results.cFull.push(cFull.run);
      costs.cFull.push(cFull.cost);
      if (floor) {
        results.f.push(watched(floor.pid!, `http://127.0.0.1:${pf}/api/planner/grabs`, grabLua)); // (f): the same requests, the floor
        if (floor.exitCode !== null) throw new Error('the floor server exited during (f): see its message above');
      }
      const replyLua = script(`reply-${round}`, replyScript(round, openids, codesByGroup(await requirements(REPLY_REQS)), 150_000));
      const d = await measured(replyWeb, '/wechat/callback', replyLua);
      results.d.push(d.run);
      costs.d.push(d.cost);
      // Half of this round's capacity, offered at a steady pace: the latency a planner sees on a busy day.
      // (c'): its 300 fresh requirements all open at once, so their 900 wins come in its first second.
      const rps = Math.round(results.c.at(-1)!.rps / 2);
      const pacedLua = script(
        `paced-${round}`,
        grabScript(cookies, await requirements(REQS_PER_ROUND), { connections: PACED_CONNECTIONS, rps }),
      );
      const paced = await pacedRun(pacedLua);
      results.paced.push({ ...paced.run, offered: rps });
      pacedOutcomes.push(paced.outcomes);
      // The same pace once those are full: the tail without any win's follow-up (PostgreSQL, the worker).
      await settled(redisTarget);
      results.pacedFull.push({
        ...watched(grabWeb.proc.pid!, `${grabWeb.url}/api/planner/grabs`, pacedLua, PACED_CONNECTIONS),
        offered: rps,
      });
      // (c'ˢ) the same pace with fresh requirements opening in even steps over the run: the wins spread as on a steady day.
      const steadyLua = script(
        `steady-${round}`,
        grabScript(cookies, await requirements(REQS_PER_ROUND), { connections: PACED_CONNECTIONS, rps, openOverSeconds: SECONDS }),
      );
      const steady = await pacedRun(steadyLua);
      results.pacedSteady.push({ ...steady.run, offered: rps });
      steadyOutcomes.push(steady.outcomes);
      await settled(redisTarget);
      bursts.push(await burst(replyWeb.url, round, openids.flat(), codesByGroup(await requirements(REPLY_REQS)), groupOf, 'raw'));
      httpBursts.push(await burst(replyWeb.url, round, openids.flat(), codesByGroup(await requirements(REPLY_REQS)), groupOf, 'node-http'));
      console.log(
        `round ${round}:`,
        Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.at(-1)])),
        bursts.at(-1),
        httpBursts.at(-1),
      );
    }

    // (c) and (c2) once more on two web processes (WEB_CONCURRENCY=2: node:cluster, one port): what
    // the share of the machine one process leaves idle buys. Not the per-process ratio: (a) is one process.
    const twoWeb = await product({ ...env, WEB_CONCURRENCY: '2' }, 3109);
    products.push(twoWeb);
    await sleep(3000); // healthy once one fork listens: let the other start too
    const twoLua = script('grab-two', grabScript(cookies, await requirements(REQS_PER_ROUND)));
    const twoC = wrk(`${twoWeb.url}/api/planner/grabs`, twoLua);
    await settled(redisTarget);
    const twoProcesses = { c: twoC, cFull: wrk(`${twoWeb.url}/api/planner/grabs`, twoLua) };
    await twoWeb.stop();

    await db.end();

    // Profiles, apart from the measured runs (the profiler costs a little): one run each, full load.
    console.log('profiling the grab and reply paths');
    const profiles: Record<string, unknown> = {};
    const grabProf = script('grab-prof', grabScript(cookies, await requirements(REQS_PER_ROUND)));
    for (const [name, port, lua] of [
      ['grab', 3106, grabProf],
      ['grab-full', 3108, grabProf], // (c2): the same requirements again, now full
      ['reply', 3107, script('reply-prof', replyScript(ROUNDS + 1, openids, codesByGroup(await requirements(REPLY_REQS)), 150_000))],
    ] as const) {
      const dir = mkdtempSync(resolve(tmpdir(), `bench-prof-${name}-`));
      const web = await product(env, port, dir);
      wrk(`${web.url}/`, lua);
      await web.stop();
      profiles[name] = keepProfile(dir, `${name}${SUFFIX}`);
      await settled(redisTarget);
    }

    const s = Object.fromEntries(Object.entries(results).map(([k, runs]) => [k, summarizeRuns(runs)])) as Record<
      keyof typeof results,
      ReturnType<typeof summarizeRuns>
    >;
    const b = {
      replies: bursts[0].replies,
      p50Ms: median(bursts.map((x) => x.p50Ms)),
      p99Ms: median(bursts.map((x) => x.p99Ms)),
      answerP99Ms: median(bursts.map((x) => x.answerP99Ms)),
      rounds: bursts,
    };
    const hb = {
      p50Ms: median(httpBursts.map((x) => x.p50Ms)),
      p99Ms: median(httpBursts.map((x) => x.p99Ms)),
      answerP99Ms: median(httpBursts.map((x) => x.answerP99Ms)),
      rounds: httpBursts,
    };
    const [wc, wf, wd] = [perWin(costs.c), perWin(costs.cFull), perWin(costs.d)];
    // A win's Redis commands: (c)'s, less its requests at (c2)'s rate (every (c2) request is a refusal).
    const redisPerWin = median(
      costs.c.map(
        (r, i) => (r.redisCommands - r.requests * (costs.cFull[i].redisCommands / costs.cFull[i].requests)) / Math.max(1, r.wins),
      ),
    );
    const machine = { cores: cpus().length, node: process.version };
    const settings = { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, planners: PLANNERS, suppliers: SUPPLIERS };
    const grabReport = {
      at: new Date().toISOString(),
      machine,
      settings: { ...settings, requirementsPerRound: REQS_PER_ROUND, pacedConnections: PACED_CONNECTIONS },
      a_koa_hello: s.a,
      a2_koa_hello_same_client_script: s.a2,
      b_koa_ioredis_lua: s.b,
      c_grab_endpoint: {
        ...s.c,
        grabs: results.c.reduce((n, r) => n + r.requests, 0),
        wins2xx: results.c.reduce((n, r) => n + r.requests - r.non2xx, 0),
        cpuPerWin: perWin(costs.c),
      },
      c_full_same_requirements_again: { ...s.cFull, work: wf },
      ...(results.f.length
        ? {
            f_floor_same_requests_as_c_full: {
              note: "node:http + the JSON body + the session cookie's signature + the product's grabOne script on the product's keys over its script line, nothing else (servers/grab-floor.ts)",
              ...s.f,
            },
          }
        : {}),
      work_counted: {
        note: "counts, not times: the whole product's Redis commands (those run inside scripts included) and PostgreSQL transactions from a run's start until the worker settled",
        redisCommandsPerRequest: { c: wc.redisCommandsPerRequest, cFull: wf.redisCommandsPerRequest },
        redisCommandsPerWinBeyondARefusal: +redisPerWin.toFixed(1),
        pgTransactionsPerWin: wc.pgTransactionsPerWin,
      },
      two_web_processes: {
        note: 'WEB_CONCURRENCY=2 (node:cluster, one port), one run each after the rounds; (a) is one process, so this is not the per-process ratio',
        c: { rps: twoProcesses.c.rps, p99Ms: twoProcesses.c.p99, vsA: twoProcesses.c.rps / s.a.rps, run: twoProcesses.c },
        cFull: {
          rps: twoProcesses.cFull.rps,
          p99Ms: twoProcesses.cFull.p99,
          vsA: twoProcesses.cFull.rps / s.a.rps,
          run: twoProcesses.cFull,
        },
      },
      c_paced_at_half_capacity: {
        note: "all of the run's requirements open at once: its wins come in its first second",
        ...s.paced,
        byOutcome: pacedOutcomes,
      },
      c_paced_requirements_opening_steadily: {
        note: "the same pace; the run's requirements open in even steps, one a second, so its wins spread over the run",
        ...s.pacedSteady,
        byOutcome: steadyOutcomes,
      },
      c_paced_requirements_full: s.pacedFull,
      ratios: {
        b_over_a: s.b.rps / s.a.rps,
        c_over_a: s.c.rps / s.a.rps,
        c_over_a2: s.c.rps / s.a2.rps,
        cFull_over_a: s.cFull.rps / s.a.rps,
        ...(results.f.length ? { f_over_a: s.f.rps / s.a.rps, cFull_over_f: s.cFull.rps / s.f.rps } : {}),
        perWebCpu: {
          note: "(a)'s web CPU per request over the path's (webUsPerRequest): the ratio with the web process given what Koa hello's had, PostgreSQL, Redis, the worker and wrk sharing the machine's cores either way",
          c_over_a: perCpu(s.a.webUsPerRequest, s.c.webUsPerRequest),
          cFull_over_a: perCpu(s.a.webUsPerRequest, s.cFull.webUsPerRequest),
          ...(results.f.length
            ? {
                f_over_a: perCpu(s.a.webUsPerRequest, s.f.webUsPerRequest),
                cFull_over_f: perCpu(s.f.webUsPerRequest, s.cFull.webUsPerRequest),
              }
            : {}),
        },
      },
      targets: { c_over_a_min: 0.5, paced_p99_max_ms: 25 },
      profile: `bench-results/profiles/grab${SUFFIX}.svg`,
    };
    const replyReport = {
      at: grabReport.at,
      machine,
      settings: { ...settings, replyPlanners: REPLY_PLANNERS, requirements: REPLY_REQS },
      a_koa_hello: s.a,
      d_reply_path: { ...s.d, cpuPerWin: wd },
      burst_1000_at_once: b,
      burst_1000_node_http_client: hb,
      ratios: { d_over_a: s.d.rps / s.a.rps, perWebCpu: { d_over_a: perCpu(s.a.webUsPerRequest, s.d.webUsPerRequest) } },
      targets: { d_over_a_min: 0.3, burst_p99_max_ms: 1000 },
      profile: `bench-results/profiles/reply${SUFFIX}.svg`,
    };
    mkdirSync(resolve(ROOT, 'bench-results'), { recursive: true });
    writeFileSync(
      resolve(ROOT, `bench-results/grab${SUFFIX}.json`),
      JSON.stringify({ redis: CLUSTER ? 'cluster of 3 masters' : 'one server', ...grabReport }, null, 2),
    );
    writeFileSync(
      resolve(ROOT, `bench-results/reply${SUFFIX}.json`),
      JSON.stringify({ redis: CLUSTER ? 'cluster of 3 masters' : 'one server', ...replyReport }, null, 2),
    );
    console.log(
      `\nbench-results/grab${SUFFIX}.json, reply${SUFFIX}.json (medians of %d rounds, %d connections, %d s each)`,
      ROUNDS,
      CONNECTIONS,
      SECONDS,
    );
    console.table({
      '(a) Koa hello': row(s.a, s.a),
      "(a2) Koa hello, (c)'s wrk script": row(s.a2, s.a),
      '(b) Koa+ioredis Lua': row(s.b, s.a),
      '(c) grab endpoint, fresh requirements': row(s.c, s.a),
      "(c2) grab, (c)'s requirements now full": row(s.cFull, s.a),
      ...(results.f.length ? { "(f) the floor: (c2)'s requests, grabOne and nothing else": row(s.f, s.a) } : {}),
      '(c×2) as (c), two web processes (WEB_CONCURRENCY=2)': row(
        { rps: twoProcesses.c.rps, p50Ms: twoProcesses.c.p50, p99Ms: twoProcesses.c.p99 },
        s.a,
      ),
      '(c2×2) as (c2), two web processes': row(
        { rps: twoProcesses.cFull.rps, p50Ms: twoProcesses.cFull.p50, p99Ms: twoProcesses.cFull.p99 },
        s.a,
      ),
      [`(c') grab, ${PACED_CONNECTIONS} conns paced at half of (c)`]: row(s.paced),
      ["(c2') the same pace, requirements full (no wins)"]: row(s.pacedFull),
      ["(c'ˢ) the same pace, requirements opening steadily"]: row(s.pacedSteady),
      '(d) reply 抢 <code> on /wechat/callback': row(s.d, s.a),
      '(e) 1,000 replies at once (client clock)': row(b),
      "(e') the same, node's HTTP client": row(hb),
    });
    console.log("(c') by outcome, the product's own clock (grab_request_duration_seconds):", JSON.stringify(pacedOutcomes.at(-1)));
    console.log("(c'ˢ) by outcome:", JSON.stringify(steadyOutcomes.at(-1)));
    console.log(`cores used during each run, by process (the machine has ${cpus().length}):`);
    console.table(
      Object.fromEntries(
        Object.entries({
          '(a)': s.a,
          '(b)': s.b,
          '(c)': s.c,
          '(c2)': s.cFull,
          ...(results.f.length ? { '(f)': s.f } : {}),
          "(c')": s.paced,
          "(c2')": s.pacedFull,
          "(c'ˢ)": s.pacedSteady,
          '(d)': s.d,
        }).map(([k, v]) => [k, v.cores ?? {}]),
      ),
    );
    console.log(
      `burst: the product's own clock (arrival to answer) p99 ${b.answerP99Ms.toFixed(1)} ms (${hb.answerP99Ms.toFixed(1)} ms in (e')); late answers: ${[...bursts, ...httpBursts].map((x) => x.late).join(', ')}`,
    );
    console.log(
      `the worker's CPU per win (events, live fan-out, messages): (c) ${perWin(costs.c).workerMsPerWin.toFixed(2)} ms, (d) ${perWin(costs.d).workerMsPerWin.toFixed(2)} ms`,
    );
    console.log(
      `work counted: Redis commands (inside scripts too) per request (c) ${wc.redisCommandsPerRequest}, (c2) ${wf.redisCommandsPerRequest}, (d) ${wd.redisCommandsPerRequest}; per win, beyond a refusal's, ${redisPerWin.toFixed(1)}; PostgreSQL transactions per win (c) ${wc.pgTransactionsPerWin}, (d) ${wd.pgTransactionsPerWin}; the web process's CPU per request (c2) ${wf.webUsPerRequest} µs`,
    );
    console.log(`flame graphs: bench-results/profiles/grab${SUFFIX}.svg, grab-full${SUFFIX}.svg, reply${SUFFIX}.svg`);
    if (workerProfile) {
      await worker.stop(); // the profile is written as it exits
      keepProfile(workerProfile, `worker${SUFFIX}`, 0);
      console.log(`the worker's profile: bench-results/profiles/worker${SUFFIX}.svg`);
    }
    void profiles;
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(products.map((p) => p.stop()));
    await cluster?.stop().catch((err) => console.error('stopping the Redis Cluster:', err));
  }
}

await main();
process.exit(0);
