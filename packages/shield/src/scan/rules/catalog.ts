import { shannonEntropy } from './entropy.js';
import { GATEWAY_RECIPES } from './gateway-recipes.js';
import { judgeGeneric } from './judge-generic.js';
import { judgeJwt } from './judge-jwt.js';
import type { SecretRule, Verdict } from './secret-rule.js';

// Patterns are written from the providers' own descriptions of their key formats. They are not
// taken from secretlint: its rule API runs each rule over the whole text, which cannot keep up
// with a scan of native libraries at 100 MB/s, so here every rule is anchored on literal keywords
// that are searched as bytes first (see find-secrets.ts). secretlint is the benchmark's baseline.

const SHIELD_FIX =
  'Then move it into the shield: `portcullis scan --suggest-config` prints the secrets entry and the route that injects it.';
const ROTATE_ONLY =
  'Rotate it now; it has no place in an app. Have your backend (or the shield) call the service instead.';

/** Keeps a candidate only when it looks random enough for a key of its kind. */
const minEntropy =
  (bits: number) =>
  (value: string): Verdict | null =>
    shannonEntropy(value) >= bits ? {} : null;

const stripe = (kind: 'sk' | 'rk' | 'pk'): RegExp =>
  new RegExp(
    `(?<![A-Za-z0-9_])(?<secret>${kind}_(?<mode>live|test)_[0-9A-Za-z]{10,247})(?![0-9A-Za-z])`,
    'g',
  );
const stripeMode = (live: Verdict, test: Verdict) => (_value: string, context: { match: RegExpExecArray }) =>
  context.match.groups?.['mode'] === 'live' ? live : test;

/** Every rule the scanner runs. Order only matters for reports. */
export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'stripe-secret-key',
    title: 'Stripe secret key',
    severity: 'critical',
    keywords: ['k_live_', 'k_test_'],
    pattern: stripe('sk'),
    before: 2,
    after: 260,
    judge: stripeMode({}, { severity: 'medium', title: 'Stripe secret key (test mode)' }),
    fix: `It can charge, refund and read every customer: roll it in the Stripe dashboard. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.stripe,
  },
  {
    id: 'stripe-restricted-key',
    title: 'Stripe restricted key',
    severity: 'high',
    keywords: ['k_live_', 'k_test_'],
    pattern: stripe('rk'),
    before: 2,
    after: 260,
    judge: stripeMode({}, { severity: 'medium', title: 'Stripe restricted key (test mode)' }),
    fix: `It acts on your account with every permission it was given: roll it in the Stripe dashboard. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.stripe,
  },
  {
    id: 'stripe-publishable-key',
    title: 'Stripe publishable key (public by design)',
    severity: 'info',
    keywords: ['k_live_', 'k_test_'],
    pattern: stripe('pk'),
    before: 2,
    after: 260,
    fix: 'Meant to ship in apps; nothing to do.',
  },
  {
    id: 'aws-access-key-id',
    title: 'AWS access key id',
    severity: 'high',
    keywords: ['AKIA', 'ASIA'],
    pattern: /(?<![A-Z0-9])(?<secret>(?:AKIA|ASIA)[A-Z2-7]{16})(?![A-Z0-9])/g,
    before: 1,
    after: 20,
    // AWS's documentation key (AKIAIOSFODNN7EXAMPLE) and its kind are samples, not credentials.
    judge: (value) => (value.endsWith('EXAMPLE') ? null : {}),
    fix: 'An access key id is half of a credential pair; the secret is usually next to it. Deactivate the key in IAM and give the app temporary credentials (Cognito) or call AWS from your backend.',
  },
  {
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    severity: 'critical',
    keywords: ['AKIA', 'ASIA'],
    textKeywords: ['ws_secret', 'WS_SECRET', 'wsSecret', 'ecretAccessKey'],
    pattern: /(?<![A-Za-z0-9/+])(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g,
    before: 400,
    after: 400,
    priority: 3,
    judge: (value) =>
      /[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value) && shannonEntropy(value) >= 4
        ? {}
        : null,
    fix: 'With the access key id it signs any request the IAM user may make. Deactivate it in IAM now; give the app temporary credentials (Cognito) or call AWS from your backend.',
  },
  {
    id: 'google-api-key',
    title: 'Google API key (Firebase, Maps: public by design)',
    severity: 'info',
    keywords: ['AIza'],
    pattern: /(?<![A-Za-z0-9_-])(?<secret>AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])/g,
    before: 1,
    after: 40,
    fix: 'Firebase and Maps keys ship in apps: restrict this key to your app (package name and signing certificate, bundle id) and to the APIs it needs. If it calls a paid API (Places, Gemini), put those calls behind the shield.',
  },
  {
    id: 'google-service-account-key',
    title: 'Google service-account private key',
    severity: 'critical',
    keywords: [],
    textKeywords: ['service_account'],
    pattern:
      /"private_key"\s*:\s*"(?<secret>-----BEGIN PRIVATE KEY-----(?:[A-Za-z0-9+/=]|\\n|\\r){40,8000}?-----END PRIVATE KEY-----)/g,
    before: 5000,
    after: 6000,
    priority: 4,
    fix: 'A service-account key acts as your Google Cloud project. Delete the key in the IAM console; call Google APIs from your backend.',
  },
  {
    id: 'private-key',
    title: 'Private key (PEM)',
    severity: 'critical',
    keywords: ['PRIVATE KEY-----'],
    pattern:
      /(?<secret>-----BEGIN (?<kind>(?:[A-Z0-9]+ )?PRIVATE KEY)-----(?:[A-Za-z0-9+/=\s:,-]|\\n|\\r){40,12000}?-----END \k<kind>-----)/g,
    before: 30,
    after: 12000,
    priority: 3,
    judge: (_value, context) =>
      context.match.groups?.['kind']?.startsWith('ENCRYPTED') === true
        ? { severity: 'high', title: 'Encrypted private key (PEM)' }
        : {},
    fix: 'Whoever has the app has this key. Revoke what it signs for (certificate, deploy key, token signing) and keep private keys on servers only.',
  },
  {
    id: 'github-token',
    title: 'GitHub token',
    severity: 'high',
    keywords: ['ghp_', 'gho_', 'github_pat_'],
    // Installation, user-to-server and refresh tokens are short-lived: sought in text only.
    textKeywords: ['ghu_', 'ghs_', 'ghr_'],
    pattern:
      /(?<![A-Za-z0-9_])(?<secret>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g,
    before: 1,
    after: 260,
    fix: `Revoke it in GitHub's settings. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.github,
  },
  {
    id: 'slack-token',
    title: 'Slack token',
    severity: 'high',
    keywords: ['xox'],
    pattern: /(?<![A-Za-z0-9])(?<secret>xox[abposre]-[0-9A-Za-z-]{10,250})(?![0-9A-Za-z-])/g,
    before: 1,
    after: 260,
    judge: minEntropy(3),
    fix: `Revoke it in the Slack app's settings. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.slack,
  },
  {
    id: 'slack-webhook',
    title: 'Slack incoming webhook URL',
    severity: 'high',
    keywords: ['hooks.slack.com/'],
    pattern:
      /(?<secret>https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,200})/g,
    before: 8,
    after: 240,
    fix: 'Anyone can post to your channel with it. Delete the webhook and post from your backend.',
  },
  {
    id: 'sendgrid-api-key',
    title: 'SendGrid API key',
    severity: 'high',
    keywords: ['SG.'],
    pattern: /(?<![A-Za-z0-9_-])(?<secret>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g,
    before: 1,
    after: 70,
    fix: `It sends e-mail as you, to anyone. Delete it in SendGrid. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.sendgrid,
  },
  {
    id: 'mailgun-api-key',
    title: 'Mailgun API key',
    severity: 'high',
    keywords: ['key-'],
    textKeywords: ['ailgun', 'AILGUN'],
    pattern:
      /(?<![A-Za-z0-9])(?<secret>key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![A-Za-z0-9])/g,
    before: 300,
    after: 300,
    fix: `It sends e-mail as your domains. Rotate it in Mailgun. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.mailgun,
  },
  {
    id: 'twilio-api-key',
    title: 'Twilio API key SID',
    severity: 'high',
    keywords: ['SK'],
    pattern: /(?<![A-Za-z0-9])(?<secret>SK[0-9a-fA-F]{32})(?![A-Za-z0-9])/g,
    before: 1,
    after: 34,
    fix: `The key's secret is usually shipped next to it. Delete the API key in Twilio. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.twilio,
  },
  {
    id: 'twilio-auth-token',
    title: 'Twilio auth token',
    severity: 'critical',
    keywords: [],
    textKeywords: ['wilio', 'WILIO'],
    pattern: /(?<![A-Za-z0-9])(?<secret>[0-9a-f]{32})(?![A-Za-z0-9])/g,
    before: 300,
    after: 300,
    judge: minEntropy(3.2),
    fix: `It controls your Twilio account (SMS, calls, billing): SMS pumping costs real money. Rotate it in the Twilio console. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.twilio,
  },
  {
    id: 'jwt',
    title: 'JSON Web Token',
    severity: 'high',
    keywords: ['eyJ'],
    pattern:
      /(?<![A-Za-z0-9_.-])(?<secret>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])/g,
    before: 1,
    after: 8192,
    judge: judgeJwt,
    fix: "A token that ships in the app is everyone's token. Revoke it (rotate the signing key if it cannot be revoked); let each install obtain its own short-lived token at run time.",
  },
  {
    id: 'mapbox-secret-token',
    title: 'Mapbox secret token',
    severity: 'high',
    keywords: ['eyJ'],
    pattern: /(?<![A-Za-z0-9])(?<secret>sk\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})(?![A-Za-z0-9_-])/g,
    before: 4,
    after: 1000,
    fix: 'Secret (sk.) tokens have write scopes. Delete it in Mapbox; apps use public (pk.) tokens with URL restrictions.',
  },
  {
    id: 'mapbox-public-token',
    title: 'Mapbox public token (public by design)',
    severity: 'info',
    keywords: ['eyJ'],
    pattern: /(?<![A-Za-z0-9])(?<secret>pk\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})(?![A-Za-z0-9_-])/g,
    before: 4,
    after: 1000,
    fix: 'Meant to ship in apps; restrict it to your app in the Mapbox account.',
  },
  {
    id: 'npm-token',
    title: 'npm access token',
    severity: 'high',
    keywords: ['npm_'],
    pattern: /(?<![A-Za-z0-9_])(?<secret>npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])/g,
    before: 1,
    after: 40,
    judge: minEntropy(3.5),
    fix: ROTATE_ONLY,
  },
  {
    id: 'openai-api-key',
    title: 'OpenAI API key',
    severity: 'high',
    keywords: ['sk-'],
    pattern:
      /(?<![A-Za-z0-9_-])(?<secret>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,300}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})(?![A-Za-z0-9_-])/g,
    before: 1,
    after: 320,
    fix: `Every call is billed to you. Revoke it in the OpenAI dashboard. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.openai,
  },
  {
    id: 'anthropic-api-key',
    title: 'Anthropic API key',
    severity: 'high',
    keywords: ['sk-'],
    pattern: /(?<![A-Za-z0-9_-])(?<secret>sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])/g,
    before: 1,
    after: 140,
    fix: `Every call is billed to you. Revoke it in the Anthropic console. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.anthropic,
  },
  {
    id: 'shopify-token',
    title: 'Shopify access token',
    severity: 'high',
    keywords: ['shp'],
    pattern: /(?<![A-Za-z0-9_])(?<secret>shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})(?![A-Za-z0-9])/g,
    before: 1,
    after: 40,
    fix: `It acts on your shop. Rotate it in the Shopify admin. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.shopify,
  },
  {
    id: 'square-token',
    title: 'Square access token or application secret',
    severity: 'high',
    keywords: ['sq0'],
    pattern: /(?<![A-Za-z0-9_-])(?<secret>sq0(?:atp|csp)-[0-9A-Za-z_-]{22,60})(?![A-Za-z0-9_-])/g,
    before: 1,
    after: 70,
    fix: `It takes payments on your account. Revoke it in the Square developer dashboard. ${SHIELD_FIX}`,
    recipe: GATEWAY_RECIPES.square,
  },
  {
    id: 'braintree-access-token',
    title: 'Braintree (PayPal) production access token',
    severity: 'critical',
    keywords: ['access_token$'],
    pattern: /(?<secret>access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})(?![0-9a-f])/g,
    before: 0,
    after: 80,
    fix: 'It takes payments on your merchant account. Revoke it; apps use client tokens minted by your backend.',
  },
  {
    id: 'fcm-server-key',
    title: 'Firebase Cloud Messaging server key',
    severity: 'high',
    keywords: [':APA91b'],
    pattern: /(?<![A-Za-z0-9_-])(?<secret>AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{120,})(?![A-Za-z0-9_-])/g,
    before: 12,
    after: 400,
    fix: 'It sends pushes to all your users. Delete it in the Firebase console; send pushes from your backend (HTTP v1 API).',
  },
  {
    id: 'telegram-bot-token',
    title: 'Telegram bot token',
    severity: 'high',
    keywords: [':AA'],
    pattern: /(?<![0-9])(?<secret>[0-9]{8,10}:AA[0-9A-Za-z_-]{33})(?![0-9A-Za-z_-])/g,
    before: 11,
    after: 40,
    fix: 'It controls your bot. Revoke it with @BotFather; talk to the bot API from your backend.',
  },
  {
    id: 'google-oauth-client-secret',
    title: 'Google OAuth client secret',
    severity: 'high',
    keywords: ['GOCSPX-'],
    pattern: /(?<![A-Za-z0-9_-])(?<secret>GOCSPX-[A-Za-z0-9_-]{28})(?![A-Za-z0-9_-])/g,
    before: 1,
    after: 40,
    fix: 'Mobile apps are public OAuth clients: use an Android/iOS client id with PKCE and no secret, and reset this one.',
  },
  {
    id: 'sentry-auth-token',
    title: 'Sentry auth token',
    severity: 'high',
    keywords: ['sntry'],
    pattern: /(?<![A-Za-z0-9_])(?<secret>sntry[su]_[A-Za-z0-9+/=_]{40,200})(?![A-Za-z0-9+/=_])/g,
    before: 1,
    after: 210,
    fix: 'Auth tokens upload source maps and read your issues; the app needs only the DSN. Revoke it in Sentry.',
  },
  {
    id: 'azure-storage-key',
    title: 'Azure storage account key',
    severity: 'critical',
    keywords: ['AccountKey='],
    pattern: /AccountKey=(?<secret>[A-Za-z0-9+/]{86}==)/g,
    before: 0,
    after: 100,
    fix: 'It grants full access to the storage account. Rotate it; give the app short-lived SAS URLs from your backend.',
  },
  {
    id: 'url-credentials',
    title: 'Password in a URL',
    severity: 'high',
    keywords: ['://'],
    pattern:
      /(?<![A-Za-z0-9+.-])[a-z][a-z0-9+.-]{1,15}:\/\/(?<user>[^\s:/@"'`<>]{1,64}):(?<secret>[^\s:/@"'`<>]{6,128})@[A-Za-z0-9.-]{3,}/g,
    before: 16,
    after: 300,
    judge: (value) =>
      /^(?:\$\{.*\}|<.*>|%.*%|\*+|x+|password|passwd|pass|secret|changeme)$/i.test(value) ||
      shannonEntropy(value) < 2.5
        ? null
        : {},
    fix: 'A database or service password in the app opens it to everyone. Change the password; keep such connections on your backend.',
  },
  {
    id: 'generic-secret',
    title: 'High-entropy value in a secret-looking name',
    severity: 'medium',
    keywords: [
      'ecret',
      'ECRET',
      'assw',
      'ASSW',
      'oken',
      'OKEN',
      'pi_key',
      'piKey',
      'PI_KEY',
      'pikey',
      'PIKEY',
      'pi-key',
    ],
    pattern:
      /(?<![\w$-])(?<name>[A-Za-z_$][\w$.-]{0,63})["']?[ \t]{0,4}(?:=>|:=|=|:)[ \t]{0,4}(?:(?<q>["'`])(?<quoted>[^"'`\s\\]{16,256})\k<q>|(?<secret>[^\s"'`;,)}\]]{16,256})(?=[ \t]*\r?$))/gm,
    before: 72,
    after: 300,
    textOnly: true,
    priority: 0,
    judge: judgeGeneric,
    fix: 'If it is a provider key or a password, rotate it and keep it off the app; a provider key can move into the shield (docs/scan.md).',
  },
];
