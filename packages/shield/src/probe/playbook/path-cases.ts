import type { RouteConfig } from '../../config/index.js';
import { mustBeRefused } from '../judge-exchange.js';
import type { ProbeVerdict } from '../probe-types.js';
import { concretePath, routeMethod, sampleBody } from '../route-facts.js';
import type { ProbeCase } from './probe-case.js';

/** A spelling of a path that a lenient parser might read as the same resource. */
export interface PathSpelling {
  label: string;
  target: string;
}

/**
 * Spellings of `path` that differ from it: trailing and doubled slashes, dot segments raw and
 * encoded, encoded slashes and backslashes, `;` parameters, another case, an escaped letter,
 * overlong UTF-8, a full-width solidus, NUL, a fragment and the absolute form.
 */
export function pathSpellings(path: string): PathSpelling[] {
  const rest = path.slice(1);
  const segments = rest.split('/');
  const letter = /[A-Za-z]/.exec(path);
  const spellings: PathSpelling[] = [
    { label: 'trailing slash', target: `${path}/` },
    { label: 'doubled leading slash', target: `/${path}` },
    { label: 'dot segment', target: `/./${rest}` },
    { label: 'dot-dot segment', target: `/portcullis-probe/../${rest}` },
    { label: 'encoded dot-dot', target: `/portcullis-probe/%2e%2e/${rest}` },
    { label: 'path parameter', target: `${path};portcullis-probe=1` },
    { label: 'dot-dot with a parameter', target: `/portcullis-probe/..;/${rest}` },
    { label: 'backslash', target: `/portcullis-probe\\..\\${rest}` },
    { label: 'overlong UTF-8 dots', target: `/portcullis-probe/%c0%ae%c0%ae/${rest}` },
    { label: 'full-width solidus', target: `/portcullis-probe%ef%bc%8f..%ef%bc%8f${rest}` },
    { label: 'encoded NUL', target: `${path}%00` },
    { label: 'fragment', target: `${path}#portcullis-probe` },
    { label: 'absolute form', target: `http://probe.invalid${path}` },
  ];
  if (segments.length >= 2) {
    spellings.push(
      { label: 'empty segment', target: `/${segments[0]}//${segments.slice(1).join('/')}` },
      { label: 'encoded slash', target: `/${segments[0]}%2f${segments.slice(1).join('/')}` },
    );
  }
  if (path.toUpperCase() !== path) spellings.push({ label: 'upper case', target: path.toUpperCase() });
  if (letter !== null) {
    const at = letter.index;
    const escaped = `%${path.charCodeAt(at).toString(16)}`;
    spellings.push({
      label: 'escaped letter',
      target: `${path.slice(0, at)}${escaped}${path.slice(at + 1)}`,
    });
  }
  return spellings.filter((spelling) => spelling.target !== path);
}

/**
 * One case per token route: every spelling of its path, without a token. A spelling must be
 * refused or get the route's own policy (so 401 token_missing); one that reaches an upstream has
 * found a way around the route.
 */
export function pathCase(route: RouteConfig): ProbeCase {
  const path = concretePath(route);
  return {
    id: 'path-spellings',
    threats: ['A5-04', 'E-16', 'E-14', 'E-15', 'A7-04', 'E-13'],
    title: 'other spellings of the route’s path, without a token',
    route,
    expectation: 'each refused, or given the route’s own policy',
    fix: `A spelling of ${path} reached an upstream without a token. If something in front of the shield normalises paths, make it pass them unchanged; otherwise check for a catch-all route that takes this spelling (routes of the running shield must not overlap).`,
    async run(context) {
      const body = sampleBody(route);
      const verdicts: ProbeVerdict[] = [];
      for (const spelling of pathSpellings(path)) {
        const verdict = mustBeRefused(
          await context.send({
            method: routeMethod(route),
            target: spelling.target,
            ...(body !== undefined ? { body } : {}),
          }),
        );
        verdicts.push({ ...verdict, detail: `${spelling.label} (${spelling.target}): ${verdict.detail}` });
      }
      const through = verdicts.filter((v) => v.outcome === 'got-through');
      const unclear = verdicts.filter((v) => v.outcome === 'inconclusive');
      const worst = through[0] ?? unclear[0];
      if (worst !== undefined) {
        return { ...worst, detail: [...through, ...unclear].map((v) => v.detail).join('; ') };
      }
      return {
        outcome: 'held',
        status: null,
        code: null,
        detail: `${verdicts.length} spellings, each refused`,
      };
    },
  };
}
