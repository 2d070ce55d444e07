import type { AssuranceLevel, EvidenceType } from '@portcullis/protocol';
import { type IssueSink, isLoopbackHostname, parseUrl, reportIssue } from './fields.js';
import { parseRoutePattern, type RoutePattern, routePatternsOverlap } from './route-pattern.js';
import { scanReferences } from './scan-references.js';

/** The parts of a parsed config the cross-field rules read. */
export interface RuleInput {
  mode: 'production' | 'development';
  issuer: string;
  development?: object | undefined;
  listen: { host: string; port: number };
  admin?: { host: string; port: number } | undefined;
  http: { maxBodyBytes: number; headersTimeoutMs: number; requestTimeoutMs: number };
  keys: { rotateEveryDays?: number | undefined; publishAheadSeconds: number };
  tokens: { maxTtlSeconds: number };
  trust: {
    androidRevocation: {
      file?: string | undefined;
      url?: string | undefined;
      refreshSeconds: number;
      maxAgeSeconds: number;
    };
  };
  apps: Record<
    string,
    {
      audiences: string[];
      tokenTtlSeconds: number;
      evidence: EvidenceType[];
      ios?: { teamId: string; bundleIds: string[]; environments: string[] } | undefined;
      android?: { packageName: string; signingCertSha256: string[] } | undefined;
      debugTokens: { sha256: string; scope?: { audiences?: string[] | undefined } | undefined }[];
    }
  >;
  secrets: Record<string, string>;
  routes: {
    id: string;
    match: { methods: string[]; path: string };
    require?:
      | {
          token: boolean;
          level?: AssuranceLevel | undefined;
          apps?: string[] | undefined;
          audiences?: string[] | undefined;
        }
      | undefined;
    inject?: { headers: Record<string, string> } | undefined;
    maxBodyBytes?: number | undefined;
  }[];
}

function checkApps(config: RuleInput, ctx: IssueSink): void {
  for (const [appId, app] of Object.entries(config.apps)) {
    if (app.tokenTtlSeconds > config.tokens.maxTtlSeconds) {
      reportIssue(ctx, {
        path: ['apps', appId, 'tokenTtlSeconds'],
        code: 'value_conflict',
        message: `tokenTtlSeconds (${app.tokenTtlSeconds}) is above tokens.maxTtlSeconds (${config.tokens.maxTtlSeconds})`,
        fix: 'lower tokenTtlSeconds, or raise tokens.maxTtlSeconds',
      });
    }
    app.debugTokens.forEach((token, index) => {
      token.scope?.audiences?.forEach((audience, at) => {
        if (!app.audiences.includes(audience)) {
          reportIssue(ctx, {
            path: ['apps', appId, 'debugTokens', index, 'scope', 'audiences', at],
            code: 'debug_token_scope',
            message: `the app has no audience ${audience}`,
            fix: `use one of the app’s audiences: ${app.audiences.join(', ')}`,
          });
        }
      });
    });
  }
}

/**
 * No two apps accept the same device identity (App Attest App ID and environment, Android package
 * and signer, debug credential): otherwise a client could present its evidence to whichever app
 * has the weaker policy or the wider audiences.
 */
function checkIdentitiesUnique(config: RuleInput, ctx: IssueSink): void {
  const owners = new Map<string, string>();
  const claim = (key: string, appId: string, path: PropertyKey[], what: string): void => {
    const owner = owners.get(key);
    if (owner === undefined) {
      owners.set(key, appId);
    } else if (owner !== appId) {
      reportIssue(ctx, {
        path: ['apps', appId, ...path],
        code: 'value_conflict',
        message: `app ${appId} accepts ${what} that app ${owner} accepts too`,
        fix: 'give each app its own identity (or merge the two apps)',
      });
    }
  };
  for (const [appId, app] of Object.entries(config.apps)) {
    for (const bundleId of app.ios?.bundleIds ?? []) {
      for (const environment of app.ios?.environments ?? []) {
        claim(
          `ios:${app.ios?.teamId}.${bundleId}:${environment}`,
          appId,
          ['ios', 'bundleIds'],
          `the App Attest App ID ${app.ios?.teamId}.${bundleId} (${environment})`,
        );
      }
    }
    for (const digest of app.android?.signingCertSha256 ?? []) {
      claim(
        `android:${app.android?.packageName}:${digest}`,
        appId,
        ['android', 'signingCertSha256'],
        `the Android package ${app.android?.packageName} with this signer`,
      );
    }
    app.debugTokens.forEach((token, index) => {
      claim(`debug:${token.sha256}`, appId, ['debugTokens', index, 'sha256'], 'this debug credential');
    });
  }
}

function checkLimits(config: RuleInput, ctx: IssueSink): void {
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    reportIssue(ctx, {
      path: ['http', 'headersTimeoutMs'],
      code: 'value_conflict',
      message: 'headersTimeoutMs is above requestTimeoutMs (Node refuses this)',
      fix: 'lower headersTimeoutMs or raise requestTimeoutMs',
    });
  }
  const rotate = config.keys.rotateEveryDays;
  if (rotate !== undefined && config.keys.publishAheadSeconds >= rotate * 86400) {
    reportIssue(ctx, {
      path: ['keys', 'publishAheadSeconds'],
      code: 'value_conflict',
      message: 'publishAheadSeconds is not shorter than the rotation period',
      fix: 'publish a new key ahead by less than rotateEveryDays',
    });
  }
  const revocation = config.trust.androidRevocation;
  if (revocation.refreshSeconds > revocation.maxAgeSeconds) {
    reportIssue(ctx, {
      path: ['trust', 'androidRevocation', 'refreshSeconds'],
      code: 'value_conflict',
      message: 'refreshSeconds is above maxAgeSeconds, so the list would go stale between refreshes',
      fix: 'refresh more often than maxAgeSeconds',
    });
  }
  const usesKeyAttestation = Object.values(config.apps).some((app) =>
    app.evidence.includes('android-key-attestation'),
  );
  if (
    config.mode === 'production' &&
    usesKeyAttestation &&
    revocation.file === undefined &&
    revocation.url === undefined
  ) {
    reportIssue(ctx, {
      path: ['trust'],
      code: 'trust_revocation_missing',
      message: 'an app uses android-key-attestation but no revocation status list is configured',
      fix: 'set trust.androidRevocation.url: https://android.googleapis.com/attestation/status (or .file)',
    });
  }
  if (config.admin !== undefined && config.admin.port === config.listen.port) {
    reportIssue(ctx, {
      path: ['admin', 'port'],
      code: 'value_conflict',
      message: 'the admin listener uses the same port as the public listener',
      fix: 'give admin its own port, e.g. 9090',
    });
  }
}

function checkRoutes(config: RuleInput, ctx: IssueSink): void {
  const ids = new Map<string, number>();
  const patterns: { index: number; pattern: RoutePattern; methods: Set<string> }[] = [];
  config.routes.forEach((route, index) => {
    const firstWithId = ids.get(route.id);
    if (firstWithId === undefined) ids.set(route.id, index);
    else {
      reportIssue(ctx, {
        path: ['routes', index, 'id'],
        code: 'route_id_duplicate',
        message: `routes[${firstWithId}] already has the id ${route.id}`,
        fix: 'give one of the two routes an explicit, unique id',
      });
    }
    route.require?.apps?.forEach((appId, at) => {
      if (!Object.hasOwn(config.apps, appId)) {
        reportIssue(ctx, {
          path: ['routes', index, 'require', 'apps', at],
          code: 'route_app_undeclared',
          message: `no app ${appId} is declared under apps`,
          fix: `declare ${appId} under apps, or correct the id`,
        });
      }
    });
    const admitted = route.require?.apps ?? Object.keys(config.apps);
    const known = new Set(
      admitted.flatMap((appId) => (Object.hasOwn(config.apps, appId) ? config.apps[appId]!.audiences : [])),
    );
    route.require?.audiences?.forEach((audience, at) => {
      if (!known.has(audience)) {
        reportIssue(ctx, {
          path: ['routes', index, 'require', 'audiences', at],
          code: 'route_audience_undeclared',
          message: `no app this route admits has the audience ${audience}`,
          fix:
            known.size === 0
              ? 'declare the audience under apps.<name>.audiences'
              : `use one of: ${[...known].join(', ')}`,
        });
      }
    });
    if (route.maxBodyBytes !== undefined && route.maxBodyBytes > config.http.maxBodyBytes) {
      reportIssue(ctx, {
        path: ['routes', index, 'maxBodyBytes'],
        code: 'value_conflict',
        message: `maxBodyBytes is above http.maxBodyBytes (${config.http.maxBodyBytes}), which caps every request`,
        fix: 'lower the route’s maxBodyBytes, or raise http.maxBodyBytes',
      });
    }
    for (const [name, value] of Object.entries(route.inject?.headers ?? {})) {
      const scanned = scanReferences(value);
      if (!scanned.ok) continue;
      for (const part of scanned.parts) {
        if (
          part.type === 'reference' &&
          part.kind === 'secret' &&
          !Object.hasOwn(config.secrets, part.name)
        ) {
          reportIssue(ctx, {
            path: ['routes', index, 'inject', 'headers', name],
            code: 'secret_undeclared',
            message: `no secret ${part.name} is declared under secrets`,
            fix: `declare it under secrets (e.g. ${part.name}: \${env:NAME}) or correct the name`,
            needle: part.source,
          });
        }
      }
    }
    const parsed = parseRoutePattern(route.match.path);
    if (parsed.ok) {
      const methods = new Set(route.match.methods);
      for (const other of patterns) {
        const shared = [...methods].filter((method) => other.methods.has(method));
        if (shared.length > 0 && routePatternsOverlap(other.pattern, parsed.pattern)) {
          reportIssue(ctx, {
            path: ['routes', index, 'match', 'path'],
            code: 'route_overlap',
            message: `${shared.join(', ')} requests can match both this route and routes[${other.index}] (${config.routes[other.index]?.id})`,
            fix: 'make the paths or the methods of the two routes disjoint',
          });
        }
      }
      patterns.push({ index, pattern: parsed.pattern, methods });
    }
  });
}

/**
 * Cross-field rules of a config whose fields are each valid. Reports through zod's refinement
 * context so they come out located like every other issue.
 */
export function checkConfigRules(config: RuleInput, ctx: IssueSink): void {
  const issuer = parseUrl(config.issuer);
  if (config.mode === 'production' && issuer?.protocol === 'http:' && !isLoopbackHostname(issuer.hostname)) {
    reportIssue(ctx, {
      path: ['issuer'],
      code: 'issuer_insecure',
      message: 'a production issuer must be https (plain http only for a loopback host)',
      fix: 'use https://, or set mode: development for local work',
    });
  }
  if (config.mode === 'production' && config.development !== undefined) {
    reportIssue(ctx, {
      path: ['development'],
      code: 'development_in_production',
      message: 'development settings (test-kit roots) are never used by a production shield',
      fix: 'remove the development section, or set mode: development on a development machine',
    });
  }
  checkApps(config, ctx);
  checkIdentitiesUnique(config, ctx);
  checkLimits(config, ctx);
  checkRoutes(config, ctx);
}
