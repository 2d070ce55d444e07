import { compileRoutePolicies } from './compile-route-policies.js';
import type { PendingIssue } from './decode-config-yaml.js';
import { isLoopbackHostname, parseIsoDate } from './fields.js';
import { parseSecretTemplate } from './parse-secret-template.js';
import type { Config } from './schema.js';

function warning(
  path: PendingIssue['path'],
  code: PendingIssue['code'],
  message: string,
  fix: string,
): PendingIssue {
  return { code, severity: 'warning', path, message, fix };
}

function isLoopbackHost(host: string): boolean {
  return isLoopbackHostname(host) || host === '::1';
}

/**
 * Things worth saying about a valid config that do not refuse it. `now`, when given, is used
 * only to flag debug tokens that have already expired.
 */
export function collectConfigWarnings(config: Config, now?: Date): PendingIssue[] {
  const warnings: PendingIssue[] = [];
  const production = config.mode === 'production';
  if (production && config.store.kind === 'memory') {
    warnings.push(
      warning(
        ['store', 'kind'],
        'store_memory_in_production',
        'the memory store loses devices and audit records on restart',
        'use kind: sqlite (one instance) or redis+postgres (several)',
      ),
    );
  }
  if (config.admin !== undefined && !isLoopbackHost(config.admin.host)) {
    warnings.push(
      warning(
        ['admin', 'host'],
        'admin_not_loopback',
        'the admin listener is reachable from other machines',
        'bind it to 127.0.0.1 and reach it through a tunnel or sidecar',
      ),
    );
  }
  for (const [appId, app] of Object.entries(config.apps)) {
    if (production && app.ios?.environments.includes('development')) {
      warnings.push(
        warning(
          ['apps', appId, 'ios', 'environments'],
          'ios_development_environment',
          'a production shield accepts App Attest keys from development builds',
          'use environments: [production]',
        ),
      );
    }
    if (now !== undefined) {
      app.debugTokens.forEach((token, index) => {
        const expires = parseIsoDate(token.expires);
        if (expires !== undefined && expires <= now.getTime()) {
          warnings.push(
            warning(
              ['apps', appId, 'debugTokens', index, 'expires'],
              'debug_token_expired',
              `the debug token ${token.name} has expired`,
              'issue a new token with a later expires, or remove this one',
            ),
          );
        }
      });
    }
  }
  compileRoutePolicies(config).forEach((policy, index) => {
    const injectsSecret = policy.inject.some((entry) => entry.secrets.length > 0);
    if (
      production &&
      injectsSecret &&
      policy.identityHeadersSource === 'route' &&
      policy.identityHeaders.length > 0
    ) {
      warnings.push(
        warning(
          ['routes', index, 'identityHeaders'],
          'route_identity_to_provider',
          `the route injects a secret and still sends ${policy.identityHeaders.join(', ')} to its upstream`,
          'remove identityHeaders unless the provider needs these; a third party gets none by default',
        ),
      );
    }
    const token = policy.token;
    if (token === null) return;
    if (production && token.minLevel === 'debug') {
      warnings.push(
        warning(
          ['routes', index, 'require', 'level'],
          'route_debug_level',
          'this production route admits debug tokens: a debug credential pulled out of a CI or simulator build reaches it',
          'remove level: debug (production routes admit attested levels only), or keep it only on routes CI needs',
        ),
      );
    }
    if (production && token.mode === 'monitor') {
      warnings.push(
        warning(
          ['routes', index, 'tokenMode'],
          'route_token_monitor',
          'this route forwards requests its token requirement would refuse (recorded only); its limits per device or app do not count them',
          'switch to tokenMode: enforce once app versions without the SDK are gone',
        ),
      );
    }
    if (policy.proof === null && token.keylessEvidence.length > 0) {
      policy.limits.rules.forEach((rule, at) => {
        if (rule.per !== 'device') return;
        warnings.push(
          warning(
            ['routes', index, 'limits', at, 'per'],
            'route_limit_device_keyless',
            `this limit counts per device, but the route admits tokens without a device key (${token.keylessEvidence.join(', ')}): they are refused with device_key_required`,
            token.keylessEvidence.includes('debug')
              ? 'raise require.level above debug, count per ip or user, or accept the refusal'
              : 'count per ip or user, drop play-integrity from the admitted apps, or accept the refusal',
          ),
        );
      });
    }
  });
  const used = new Set<string>();
  for (const route of config.routes) {
    for (const value of Object.values(route.inject?.headers ?? {})) {
      for (const part of parseSecretTemplate(value) ?? []) if (part.type === 'secret') used.add(part.name);
    }
  }
  for (const name of Object.keys(config.secrets)) {
    if (!used.has(name)) {
      warnings.push(
        warning(
          ['secrets', name],
          'secret_unused',
          `no route injects the secret ${name}`,
          `inject it with \${secret:${name}} in a route’s inject.headers, or remove it`,
        ),
      );
    }
  }
  return warnings;
}
