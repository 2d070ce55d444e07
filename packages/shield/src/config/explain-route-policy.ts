import type { IdentityHeaderKind, RoutePolicy } from './compile-route-policies.js';

const IDENTITY_HEADER_NAMES: Readonly<Record<IdentityHeaderKind, string>> = {
  app: 'X-Portcullis-App',
  device: 'X-Portcullis-Device',
  level: 'X-Portcullis-Level',
  platform: 'X-Portcullis-Platform',
  'token-id': 'X-Portcullis-Token-Id',
  'client-address': 'X-Forwarded-For, Forwarded, X-Forwarded-Proto',
};

function source(from: 'route' | 'default', fallback: string): string {
  return from === 'route' ? '(route)' : `(default: ${fallback})`;
}

/**
 * One line saying what a request must carry on this route, for the start-up log:
 * `public`, or `token level>=basic apps=shop audiences=shop-api + proof`, with `monitor` when the
 * token requirement only records.
 *
 * @example describeRouteRequirement(policy) // 'token level>=device apps=shop audiences=shop + proof'
 */
export function describeRouteRequirement(policy: RoutePolicy): string {
  const token = policy.token;
  if (token === null) return 'public';
  const parts = [
    token.mode === 'monitor' ? 'token (monitor: recorded, not refused)' : 'token',
    `level>=${token.minLevel}`,
    `apps=${token.apps.join(',') || '(none)'}`,
    `audiences=${token.audiences.join(',') || '(none)'}`,
  ];
  if (token.binding) parts.push('+ binding');
  if (policy.proof !== null) parts.push('+ proof');
  return parts.join(' ');
}

/**
 * The text `portcullis check --explain` prints for one route: every part of its compiled policy,
 * each default marked as such. Never shows a secret's value (only the names a template uses).
 */
export function explainRoutePolicy(policy: RoutePolicy, mode: 'production' | 'development'): string[] {
  const lines = [`route ${policy.id}: ${policy.methods.join(',')} ${policy.path} -> ${policy.upstream}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(12)}${text}`);
  if (policy.stripPrefix !== null) row('strip', policy.stripPrefix);
  const token = policy.token;
  if (token === null) {
    row('access', 'public: no token');
  } else {
    row(
      'access',
      token.mode === 'enforce'
        ? 'app token required (tokenMode enforce)'
        : 'app token monitored (tokenMode monitor): what would be refused is recorded and forwarded without identity headers',
    );
    row(
      'level',
      `>= ${token.minLevel} ${source(token.minLevelSource, mode === 'production' ? 'production admits attested levels only' : 'development admits debug')}`,
    );
    row(
      'apps',
      `${token.apps.join(', ') || '(none declared)'} ${source(token.appsSource, 'every declared app')}`,
    );
    row(
      'audiences',
      `${token.audiences.join(', ') || '(none)'} ${source(
        token.audiencesSource,
        "the admitted apps'; a debug token its credential's scope narrowed is refused",
      )}`,
    );
    row('binding', token.binding ? 'token bound to the Authorization header (ath)' : 'no');
    row(
      'keyless',
      token.keylessEvidence.length === 0
        ? 'every admitted token carries a device key'
        : `tokens from ${token.keylessEvidence.join(', ')} carry no device key`,
    );
  }
  const proof = policy.proof;
  row(
    'proof',
    proof === null
      ? 'none'
      : `required: skew ${proof.skewSeconds} s, replay store down: ${proof.onStoreOutage}${proof.onStoreOutage === 'refuse' ? ` (503, Retry-After ${proof.retryAfterSeconds} s)` : ''}`,
  );
  const limits = policy.limits;
  if (limits.rules.length === 0) {
    row('limits', 'none');
  } else {
    row(
      'limits',
      `${limits.mode}, store down: ${limits.onStoreFailure === 'closed' ? 'closed (503)' : 'open (insurance cap)'}${limits.afterProof ? ', counted after the proof' : ''}`,
    );
    for (const rule of limits.rules) {
      const what = rule.cost === null ? 'requests' : `${rule.cost.count} in ${rule.cost.paths.join(' + ')}`;
      const per = rule.per === 'body' ? `body ${rule.field}` : rule.per;
      lines.push(
        `    - ${rule.name ?? `(${rule.per})`}: ${rule.max} ${what} per ${per} per ${rule.windowSeconds} s, ${rule.mode}${rule.group === null ? '' : `, group ${rule.group}`}${rule.cost !== null && rule.cost.whenUnreadable !== 'refuse' ? `, unreadable cost charged ${rule.cost.whenUnreadable}` : ''}`,
      );
    }
  }
  row(
    'identity',
    `${
      policy.identityHeaders.length === 0
        ? 'none'
        : policy.identityHeaders.map((kind) => IDENTITY_HEADER_NAMES[kind]).join(', ')
    } ${source(
      policy.identityHeadersSource,
      policy.inject.some((entry) => entry.secrets.length > 0)
        ? 'none to a route that injects a secret'
        : policy.public
          ? 'the client address to a public route'
          : 'all to a token route',
    )}`,
  );
  row(
    'credentials',
    policy.credentials === 'strip'
      ? 'client Authorization and Cookie removed, upstream Set-Cookie dropped'
      : 'client Authorization and Cookie forwarded',
  );
  row(
    'inject',
    policy.inject.length === 0
      ? 'none'
      : policy.inject
          .map((entry) =>
            entry.secrets.length === 0
              ? entry.header
              : `${entry.header} (secret ${entry.secrets.join(', ')})`,
          )
          .join('; '),
  );
  row('body', `at most ${policy.maxBodyBytes} bytes`);
  row(
    'timeouts',
    `connect ${policy.timeouts.connectMs} ms, headers ${policy.timeouts.headersMs} ms, body ${policy.timeouts.bodyMs} ms`,
  );
  if (policy.tlsCaFile !== null) row('tls', `upstream CA ${policy.tlsCaFile}`);
  return lines;
}
