import type { ProbeExchange, ProbeVerdict } from './probe-types.js';

/** Shield codes that mean the request was let through and the upstream leg failed. */
const UPSTREAM_CODES = new Set(['upstream_unavailable', 'upstream_timeout']);

/** Whether a request reached the upstream: known exactly in a dry run, read from the answer otherwise. */
export type Passage = 'forwarded' | 'refused' | 'unknown';

/**
 * Dry run: forwarded when the echo upstream received anything during the exchange. Target: a
 * status below 400 or an upstream failure code means the shield let it through; a shield refusal
 * means it did not; a connection closed without an answer is a refusal; any other answer
 * (an error page not written by the shield) cannot tell.
 */
export function passage(exchange: ProbeExchange): Passage {
  if (exchange.upstream !== null) return exchange.upstream.length > 0 ? 'forwarded' : 'refused';
  if (exchange.status === null) return exchange.error === 'timeout' ? 'unknown' : 'refused';
  if (exchange.status < 400) return 'forwarded';
  if (exchange.shieldRefusal)
    return exchange.code !== null && UPSTREAM_CODES.has(exchange.code) ? 'forwarded' : 'refused';
  return 'unknown';
}

/** The answer in a few words: `401 token_missing`, `200 from the upstream`, `no answer (timeout)`. */
export function describeAnswer(exchange: ProbeExchange): string {
  if (exchange.status === null) {
    return exchange.error === null
      ? 'the connection closed without an answer'
      : `no answer (${exchange.error})`;
  }
  if (exchange.code !== null) return `${exchange.status} ${exchange.code}`;
  if (exchange.shieldRefusal) return `${exchange.status} (a shield refusal without a body)`;
  return exchange.status < 400 ? `${exchange.status}` : `${exchange.status} not written by the shield`;
}

function verdictOf(exchange: ProbeExchange, outcome: ProbeVerdict['outcome'], detail: string): ProbeVerdict {
  return { outcome, status: exchange.status, code: exchange.code, detail };
}

/**
 * The verdict for a request the shield must refuse. `codes`, when given, are the refusals that
 * show the check the case is about; another refusal is inconclusive (something refused it first).
 */
export function mustBeRefused(exchange: ProbeExchange, codes?: readonly string[]): ProbeVerdict {
  const answer = describeAnswer(exchange);
  switch (passage(exchange)) {
    case 'forwarded':
      return verdictOf(
        exchange,
        'got-through',
        exchange.upstream !== null
          ? `the upstream received it (the client got ${answer})`
          : `let through: the client got ${answer}`,
      );
    case 'unknown':
      return verdictOf(
        exchange,
        'inconclusive',
        `answered ${answer}: cannot tell whether the upstream received it`,
      );
    case 'refused':
      if (codes !== undefined && exchange.code !== null && !codes.includes(exchange.code)) {
        return verdictOf(
          exchange,
          'inconclusive',
          `refused with ${answer}, not by the check this case is about (${codes.join(', ')})`,
        );
      }
      return verdictOf(exchange, 'held', `refused: ${answer}`);
  }
}

/** The verdict of several requests that must all be refused: the first that got through decides. */
export function allRefused(verdicts: readonly ProbeVerdict[]): ProbeVerdict {
  return (
    verdicts.find((v) => v.outcome === 'got-through') ??
    verdicts.find((v) => v.outcome === 'inconclusive') ??
    verdicts.at(-1) ?? { outcome: 'skipped', detail: 'nothing to send' }
  );
}
