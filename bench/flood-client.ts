// Sends one flood phase to a shield and prints {"benchFlood":true,"statuses":{...},"errors":n}:
// BENCH_COUNT requests each with a distinct valid token (lines BENCH_FROM.. of BENCH_TOKENS_FILE,
// each of another device), BENCH_INVALID requests with distinct forged tokens, and BENCH_IPS
// requests each from another loopback source address (127.1.x.y, one connection each).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Pool } from 'undici';
import { BENCH_PATH } from './bench-constants.js';

const url = new URL(process.env['BENCH_URL'] ?? '');
const tokens = readFileSync(process.env['BENCH_TOKENS_FILE'] ?? '', 'utf8').split('\n');
const from = Number(process.env['BENCH_FROM'] ?? '0');
const count = Number(process.env['BENCH_COUNT'] ?? '0');
const invalid = Number(process.env['BENCH_INVALID'] ?? '0');
const ips = Number(process.env['BENCH_IPS'] ?? '0');
const ipOffset = Number(process.env['BENCH_IP_OFFSET'] ?? '0');
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? '32');

const statuses: Record<string, number> = {};
let errors = 0;
const count1 = (status: number) => {
  statuses[status] = (statuses[status] ?? 0) + 1;
};

async function inParallel(total: number, width: number, send: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const i = next++;
      try {
        await send(i);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, total) }, lane));
}

const pool = new Pool(url.origin, { connections, pipelining: 1 });
const viaPool = async (token: string) => {
  const answer = await pool.request({
    method: 'GET',
    path: BENCH_PATH,
    headers: { 'portcullis-token': token },
  });
  count1(answer.statusCode);
  await answer.body.dump();
};

await inParallel(count, connections, (i) => {
  const token = tokens[from + i];
  if (token === undefined || token === '') throw new Error('not enough tokens');
  return viaPool(token);
});
// Well-formed but forged: a valid header and payload with a random signature, each one distinct.
const [header = '', payload = ''] = (tokens[from] ?? '').split('.');
await inParallel(invalid, connections, () =>
  viaPool(`${header}.${payload}.${randomBytes(64).toString('base64url')}`),
);
const token = tokens[from] ?? '';
await inParallel(
  ips,
  16,
  (i) =>
    new Promise<void>((resolve, reject) => {
      const n = ipOffset + i;
      const localAddress = `127.1.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: BENCH_PATH,
          localAddress,
          agent: false,
          headers: { 'portcullis-token': token },
          timeout: 10_000,
        },
        (res) => {
          count1(res.statusCode ?? 0);
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    }),
);
await pool.close();
process.stdout.write(`${JSON.stringify({ benchFlood: true, statuses, errors })}\n`);
