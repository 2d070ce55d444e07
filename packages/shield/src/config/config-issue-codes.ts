/**
 * Every problem the config loader can report, with a one-line meaning and the usual fix. Codes
 * are stable and never reused for another meaning; `docs/config.md` lists them all and a test
 * keeps the two in step. Each reported issue also carries its own, more precise `fix`.
 *
 * @example
 * ```ts
 * const entry = CONFIG_ISSUE_CODES.find((c) => c.code === 'route_overlap');
 * ```
 */
export const CONFIG_ISSUE_CODES = [
  // The file itself
  {
    code: 'file_unreadable',
    meaning: 'The config file cannot be read.',
    fix: 'Check the path given to --config and the file permissions.',
  },
  {
    code: 'file_too_large',
    meaning: 'The config file is larger than 1 MiB.',
    fix: 'Config files are small; check that the right file is named.',
  },
  // YAML
  {
    code: 'yaml_syntax',
    meaning: 'The file is not well-formed YAML.',
    fix: 'Fix the YAML at the position shown (indentation, quotes, brackets).',
  },
  {
    code: 'yaml_duplicate_key',
    meaning: 'A mapping names the same key twice.',
    fix: 'Keep one of the two entries.',
  },
  {
    code: 'yaml_multiple_documents',
    meaning: 'The file holds more than one YAML document (`---`).',
    fix: 'Keep a single document per config file.',
  },
  {
    code: 'yaml_alias_limit',
    meaning: 'The file uses more anchors and aliases than allowed (billion-laughs protection).',
    fix: 'Write the repeated values out instead of using many aliases.',
  },
  {
    code: 'yaml_tag_refused',
    meaning:
      'A YAML tag other than the core ones (!!str, !!int, !!float, !!bool, !!null, !!map, !!seq) is used.',
    fix: 'Remove the tag and write a plain value.',
  },
  {
    code: 'yaml_key_refused',
    meaning: 'A mapping key is not a plain string, or is the reserved name `__proto__`.',
    fix: 'Use plain string keys.',
  },
  {
    code: 'not_a_mapping',
    meaning: 'The document is empty or is not a mapping of settings.',
    fix: 'Start from `portcullis init`, which writes a complete file.',
  },
  // Schema
  {
    code: 'unknown_key',
    meaning: 'A key the schema does not know.',
    fix: 'Remove it or correct its spelling.',
  },
  { code: 'missing_required', meaning: 'A required key is missing.', fix: 'Add the key.' },
  { code: 'wrong_type', meaning: 'A value has the wrong type.', fix: 'Write a value of the expected type.' },
  {
    code: 'invalid_value',
    meaning: 'A value is not one of the allowed choices.',
    fix: 'Use one of the listed values.',
  },
  {
    code: 'invalid_format',
    meaning: 'A string does not have the required form.',
    fix: 'Write the value in the form described.',
  },
  {
    code: 'invalid_key',
    meaning: 'A mapping key (app id, secret name, header name) does not have the required form.',
    fix: 'Rename the key.',
  },
  {
    code: 'too_small',
    meaning: 'A number, list or string is below its minimum.',
    fix: 'Raise it to the minimum.',
  },
  {
    code: 'too_big',
    meaning: 'A number, list or string is above its maximum.',
    fix: 'Lower it to the maximum.',
  },
  { code: 'duplicate_value', meaning: 'A list holds the same value twice.', fix: 'Remove the duplicate.' },
  {
    code: 'value_conflict',
    meaning: 'Two settings contradict each other (for example a TTL above its maximum).',
    fix: 'Change one of the two settings as the message says.',
  },
  // References
  {
    code: 'reference_invalid',
    meaning: `A "\${...}" reference is malformed or of an unknown kind.`,
    fix: `Use \${env:NAME}, \${file:PATH} or \${secret:NAME}; write a literal "\${" as "$\${".`,
  },
  {
    code: 'env_unset',
    meaning: `A \${env:NAME} reference names an environment variable that is not set.`,
    fix: 'Set the variable in the shield’s environment.',
  },
  {
    code: 'file_reference_unreadable',
    meaning: `A \${file:PATH} reference names a file that cannot be read.`,
    fix: 'Create the file or correct the path (relative paths start at the config file’s folder).',
  },
  {
    code: 'file_world_readable',
    meaning: 'A file holding secret material is readable by every user of the machine (warning).',
    fix: 'Restrict it, e.g. `chmod 600 FILE`.',
  },
  {
    code: 'secret_undeclared',
    meaning: `A \${secret:NAME} placeholder names a secret that "secrets" does not declare.`,
    fix: 'Declare the secret under `secrets` or correct the name.',
  },
  {
    code: 'secret_reference_misplaced',
    meaning: `A \${secret:NAME} placeholder is used outside routes[].inject.headers.`,
    fix: `Use \${env:NAME} or \${file:PATH} here; \${secret:} is only for injected headers.`,
  },
  {
    code: 'secret_empty',
    meaning: 'A secret resolves to an empty value (threat A8-05: never start with an empty provider secret).',
    fix: 'Give the referenced variable or file a value.',
  },
  {
    code: 'secret_invalid_characters',
    meaning: 'A secret or injected header value contains a control character (CR, LF, NUL, ...).',
    fix: 'Remove the control characters from the referenced value.',
  },
  {
    code: 'secret_inline',
    meaning:
      'A secret is written in the config file instead of coming from a reference (error in production).',
    fix: `Move the value to an environment variable or file and write \${env:NAME} or \${file:PATH}.`,
  },
  {
    code: 'secret_unused',
    meaning: 'A declared secret is not injected by any route (warning).',
    fix: `Remove it, or inject it with \${secret:NAME} in a route’s inject.headers.`,
  },
  // Environment and mode
  {
    code: 'issuer_insecure',
    meaning: 'A production issuer is not https (plain http is allowed only for loopback hosts).',
    fix: 'Use an https:// issuer, or set mode: development for local work.',
  },
  {
    code: 'development_in_production',
    meaning:
      'A production config has a development section (test-kit roots are never trusted in production).',
    fix: 'Remove the development section, or set mode: development on a development machine.',
  },
  {
    code: 'development_mode_in_production',
    meaning: 'mode is development while NODE_ENV=production (threat A8-05).',
    fix: 'Set mode: production, or unset NODE_ENV=production on a development machine.',
  },
  {
    code: 'tls_verification_disabled',
    meaning:
      'NODE_TLS_REJECT_UNAUTHORIZED=0 is set, which turns off upstream certificate checks (threat A10-05).',
    fix: 'Unset it; pin a private CA with routes[].tls.caFile instead.',
  },
  {
    code: 'path_unreadable',
    meaning: 'A file named by the config (roots, revocation list, service account, CA) cannot be read.',
    fix: 'Create the file or correct the path (relative paths start at the config file’s folder).',
  },
  {
    code: 'store_memory_in_production',
    meaning: 'A production shield uses the memory store, which loses devices and audit on restart (warning).',
    fix: 'Use store.kind sqlite (one instance) or redis+postgres (several).',
  },
  {
    code: 'tls_pair_invalid',
    meaning:
      'listen.tls: the certificate or key cannot be read as PEM, or the key does not match the certificate.',
    fix: 'Point certFile at the PEM certificate (leaf first) and keyFile at its own private key.',
  },
  {
    code: 'admin_not_loopback',
    meaning: 'The admin listener is bound to a non-loopback address (warning; threat A8-04).',
    fix: 'Bind admin.host to 127.0.0.1 or ::1 and reach it through a tunnel or sidecar.',
  },
  {
    code: 'trust_revocation_missing',
    meaning:
      'In production, an app uses Android key attestation but no revocation status list is configured.',
    fix: 'Set trust.androidRevocation.url (Google’s list) or trust.androidRevocation.file.',
  },
  // Apps
  {
    code: 'app_evidence_unsupported',
    meaning: 'An app lists an evidence kind whose platform section is missing.',
    fix: 'Add the platform section (ios, android, android.playIntegrity, debugTokens) or drop the kind.',
  },
  {
    code: 'app_evidence_insufficient',
    meaning: 'An app can mint no token: no platform section, or only client-signals.',
    fix: 'Add an ios or android section, or a debug token.',
  },
  {
    code: 'ios_development_environment',
    meaning: 'A production shield accepts App Attest development-environment keys (warning).',
    fix: 'Use environments: [production] in production.',
  },
  {
    code: 'play_integrity_key_invalid',
    meaning: 'A Play Integrity decryption or verification key does not decode to the right kind of key.',
    fix: 'Copy the keys again from the Play Console (Response encryption): base64 AES-256 and EC P-256 SPKI.',
  },
  {
    code: 'debug_token_scope',
    meaning: 'A debug token’s scope names an audience the app does not have.',
    fix: 'Use audiences from the app’s audiences list.',
  },
  {
    code: 'debug_token_expired',
    meaning: 'A debug token’s expiry date has passed (warning).',
    fix: 'Issue a new debug token with a later expires, or remove it.',
  },
  // Routes
  {
    code: 'route_unprotected',
    meaning: 'A route is neither public nor requires a token (threat A9-03).',
    fix: 'Add `require: { token: true }`, or `public: true` for a deliberately open route.',
  },
  {
    code: 'route_public_with_token',
    meaning: 'A public route also asks for a token, a level, apps or a proof (threat A9-03).',
    fix: 'Remove `public: true`, or remove the token requirements.',
  },
  {
    code: 'route_app_undeclared',
    meaning: 'require.apps names an app that `apps` does not declare.',
    fix: 'Declare the app under `apps` or correct the id.',
  },
  {
    code: 'route_audience_undeclared',
    meaning: 'require.audiences names an audience that no app the route admits has.',
    fix: 'Use an audience from the admitted apps’ audiences lists, or correct the name.',
  },
  {
    code: 'route_debug_level',
    meaning: 'A production route admits debug tokens (require.level: debug) (warning).',
    fix: 'Remove level: debug (production routes default to basic), or keep it only on routes CI needs.',
  },
  {
    code: 'route_token_monitor',
    meaning:
      'A production route only monitors its token requirement and forwards what it would refuse (warning).',
    fix: 'Switch the route to tokenMode: enforce once the app versions without the SDK are gone.',
  },
  {
    code: 'route_limit_device_keyless',
    meaning:
      'A route counts requests per device but admits tokens without a device key (debug, Play Integrity alone), which it refuses with device_key_required (warning).',
    fix: 'Raise require.level above debug, drop the keyless evidence kinds from the admitted apps, or count per ip or user.',
  },
  {
    code: 'route_path_invalid',
    meaning: 'A route path is not canonical origin-form (.., //, %, ;, \\, misplaced * or **).',
    fix: 'Write a plain path such as /payments/session, /files/* or /stripe/**.',
  },
  {
    code: 'route_reserved_path',
    meaning: 'A route path lies under the shield’s own endpoints (/v1/, /.well-known/, /livez, /readyz).',
    fix: 'Choose another path prefix.',
  },
  {
    code: 'route_overlap',
    meaning: 'Two routes can match the same method and path.',
    fix: 'Make the paths or methods disjoint.',
  },
  {
    code: 'route_id_duplicate',
    meaning: 'Two routes have the same id (given or derived from method and path).',
    fix: 'Give one of them an explicit, unique id.',
  },
  {
    code: 'route_method_refused',
    meaning: 'TRACE, TRACK and CONNECT are never proxied.',
    fix: 'Remove the method.',
  },
  {
    code: 'route_strip_prefix',
    meaning: 'stripPrefix is not a leading part of the route path.',
    fix: 'Use a prefix of match.path that ends at a segment boundary, e.g. /stripe for /stripe/**.',
  },
  {
    code: 'route_header_refused',
    meaning:
      'A route injects a header the gateway owns (Host, Content-Length, hop-by-hop, Forwarded, portcullis-*).',
    fix: 'Inject another header.',
  },
  {
    code: 'route_identity_to_provider',
    meaning:
      'A route that injects a secret sends identity headers (device key id, token id, client address, ...) to its upstream (warning in production).',
    fix: 'Remove identityHeaders, or list only what the provider needs.',
  },
  {
    code: 'upstream_invalid',
    meaning: 'An upstream URL is not http(s), or carries credentials, a query or a fragment.',
    fix: `Write http(s)://host[:port][/base-path]; put credentials in inject.headers via \${secret:NAME}.`,
  },
] as const satisfies readonly { code: string; meaning: string; fix: string }[];

/** A stable config issue code. */
export type ConfigIssueCode = (typeof CONFIG_ISSUE_CODES)[number]['code'];
