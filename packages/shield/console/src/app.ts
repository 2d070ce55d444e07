// The Portcullis console: a small page served by the admin listener. It holds no token: the
// sign-in exchanges the admin token for an HttpOnly session cookie, and every state-changing
// call carries the session's CSRF token. Every value from the API is put in the page as text.

import { type ApiError, api, signIn, signOut, startSession } from './api.js';
import { barChart, stackedTimeChart } from './charts.js';
import { button, clear, el, field, select, table, time } from './dom.js';

// biome-ignore lint/suspicious/noExplicitAny: API answers are read field by field and shown as text.
type Json = Record<string, any>;

const PAGES = {
  overview: 'Overview',
  devices: 'Devices',
  audit: 'Audit',
  debug: 'Debug credentials',
  keys: 'Keys',
  routes: 'Routes',
  enforce: 'What breaks if I enforce',
} as const;
type Page = keyof typeof PAGES;

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const logout = document.getElementById('logout') as HTMLButtonElement;

function show(title: string, ...children: Node[]): void {
  clear(main);
  main.append(el('h1', {}, title), ...children);
  document.title = `${title} · Portcullis console`;
}

function problem(error: unknown): Node {
  const e = error as ApiError;
  return el('p', { class: 'error', role: 'alert' }, e.detail ?? e.title ?? String(error));
}

function windowQuery(minutes: number): string {
  const until = Date.now() + 1;
  return `since=${until - minutes * 60_000}&until=${until}`;
}

async function overview(): Promise<void> {
  const range = select('Window', 'range', [
    ['60', 'Last hour'],
    ['360', 'Last 6 hours'],
    ['1440', 'Last 24 hours'],
    ['10080', 'Last 7 days'],
  ]);
  const body = el('div', { 'aria-live': 'polite' });
  const load = async () => {
    const data = (await api(`/overview?${windowQuery(Number(range.input.value))}`)) as Json;
    const t = data['totals'];
    clear(body);
    body.append(
      el(
        'div',
        { class: 'totals card', 'data-testid': 'totals' },
        ...(['allowed', 'refused', 'limited', 'errors', 'wouldRefuse'] as const).map((name) =>
          el('div', { class: 'total' }, el('b', { 'data-total': name }, String(t[name])), label(name)),
        ),
      ),
      el('h2', {}, 'Requests over time'),
      el(
        'div',
        { class: 'card' },
        stackedTimeChart(data['buckets'], data['series'], 'Gateway requests over time by decision'),
      ),
      el(
        'div',
        { class: 'grid' },
        chartCard(
          'Refusals by reason',
          data['refusalsByReason'].map((r: Json) => [r.reason, r.count]),
        ),
        chartCard(
          'Requests per route',
          data['byRoute'].map((r: Json) => [r.routeId, total(r)]),
        ),
        chartCard(
          'Requests per platform',
          data['byPlatform'].map((r: Json) => [r.platform, total(r)]),
        ),
        chartCard(
          'Requests per app version',
          data['byAppVersion'].map((r: Json) => [r.appVersion, total(r)]),
        ),
        chartCard(
          'Attestations by platform and verdict',
          data['attestations'].map((r: Json) => [`${r.platform} · ${r.verdict}`, r.count]),
        ),
        chartCard(
          'Limit and budget hits',
          data['limits'].map((r: Json) => [r.reason, r.count]),
        ),
      ),
    );
  };
  range.input.addEventListener('change', () => void load().catch((e) => body.replaceChildren(problem(e))));
  show('Overview', el('form', { class: 'filters' }, range.label), body);
  await load();
}

const total = (r: Json) => r.allowed + r.refused + r.limited + r.errors;
const label = (name: string) =>
  el(
    'span',
    {},
    el('span', { class: `swatch s-${name}` }),
    name === 'wouldRefuse' ? 'would refuse (monitor)' : name,
  );

function chartCard(title: string, rows: [string, number][]): Node {
  return el(
    'section',
    { class: 'card', 'aria-label': title },
    el('h2', {}, title),
    rows.length === 0
      ? el('p', { class: 'muted' }, 'Nothing in this window.')
      : barChart(rows.slice(0, 12), title),
  );
}

function deviceRow(device: Json): Node[] {
  return [
    el('a', { href: `#devices/${encodeURIComponent(device.keyId)}`, class: 'mono' }, device.keyId),
    device.appId,
    device.platform,
    device.level,
    time(device.lastSeen),
    device.revokedAt === null ? 'active' : `revoked ${new Date(device.revokedAt).toISOString()}`,
  ];
}

async function devices(keyId?: string): Promise<void> {
  if (keyId !== undefined) return deviceDetail(keyId);
  const key = field('Key id', 'keyId');
  const platform = select('Platform', 'platform', [
    ['', 'any'],
    ['ios', 'ios'],
    ['android', 'android'],
    ['debug', 'debug'],
  ]);
  const level = select('Level', 'level', [
    ['', 'any'],
    ['hardware', 'hardware'],
    ['device', 'device'],
    ['basic', 'basic'],
    ['debug', 'debug'],
  ]);
  const results = el('div', { 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'filters', role: 'search' },
    key.label,
    platform.label,
    level.label,
    button('Search', 'submit'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (key.input.value.trim() !== '') {
      location.hash = `#devices/${encodeURIComponent(key.input.value.trim())}`;
      return;
    }
    void list().catch((e) => results.replaceChildren(problem(e)));
  });
  const list = async () => {
    const query = new URLSearchParams({ limit: '100' });
    if (platform.input.value !== '') query.set('platform', platform.input.value);
    if (level.input.value !== '') query.set('level', level.input.value);
    const data = (await api(`/devices?${query}`)) as Json;
    results.replaceChildren(
      data.devices.length === 0
        ? el('p', { class: 'muted' }, 'No devices match.')
        : table(
            ['Key id', 'App', 'Platform', 'Level', 'Last seen', 'State'],
            data.devices.map(deviceRow),
            'Devices',
          ),
    );
  };
  show('Devices', form, results);
  await list();
}

async function deviceDetail(keyId: string): Promise<void> {
  const data = (await api(`/devices/${encodeURIComponent(keyId)}`)) as Json;
  const device = data.device;
  const facts = table(
    ['Field', 'Value'],
    [
      'keyId',
      'appId',
      'platform',
      'level',
      'counter',
      'hasReceipt',
      'testRoot',
      'firstSeen',
      'lastSeen',
      'revokedAt',
      'revokedReason',
      'deviceIdHash',
    ].map((name) => [
      name,
      /seen|At$/.test(name) && typeof device[name] === 'number' ? time(device[name]) : String(device[name]),
    ]),
    'Device',
  );
  const status = el('div', { role: 'status' });
  const reason = field('Reason for revoking', 'reason');
  const revoke = el(
    'form',
    { class: 'filters', 'aria-label': 'Revoke this device' },
    reason.label,
    button('Revoke device', 'submit', 'danger'),
  );
  revoke.addEventListener('submit', (event) => {
    event.preventDefault();
    void api(`/devices/${encodeURIComponent(keyId)}/revoke`, { reason: reason.input.value })
      .then(() => deviceDetail(keyId))
      .then(() => (document.querySelector('[role=status]')!.textContent = 'Device revoked.'))
      .catch((e) => status.replaceChildren(problem(e)));
  });
  const trail = (await api(`/audit?limit=50&deviceIdHash=${device.deviceIdHash}`)) as Json;
  show(
    `Device ${device.platform} · ${device.level}`,
    el('p', {}, el('a', { href: '#devices' }, '← All devices')),
    facts,
    device.revokedAt === null
      ? revoke
      : el('p', {}, 'This device is revoked; it attests a new key to come back.'),
    status,
    el('h2', {}, 'Audit trail'),
    auditTable(trail.records),
  );
}

function auditTable(records: Json[]): Node {
  if (records.length === 0) return el('p', { class: 'muted' }, 'No records match.');
  return table(
    ['Time', 'Event', 'Decision', 'Reason', 'Route', 'App', 'Request id'],
    records.map((r) => [
      time(r.ts),
      r.event,
      r.details?.wouldRefuse !== undefined ? `${r.decision} (would refuse)` : r.decision,
      r.reason ?? r.details?.wouldRefuse ?? r.code,
      r.routeId ?? r.path ?? '',
      r.appId ?? '',
      el('code', {}, r.requestId),
    ]),
    'Audit records',
  );
}

async function audit(): Promise<void> {
  const fields = {
    requestId: field('Request id', 'requestId'),
    keyId: field('Device key id', 'keyId'),
    routeId: field('Route', 'routeId'),
    reason: field('Reason', 'reason'),
    since: field('Since (ISO 8601 UTC)', 'since'),
    until: field('Until (ISO 8601 UTC)', 'until'),
  };
  const decision = select('Decision', 'decision', [
    ['', 'any'],
    ['allow', 'allow'],
    ['deny', 'deny'],
    ['limit', 'limit'],
    ['error', 'error'],
  ]);
  const results = el('div', { 'aria-live': 'polite' });
  const form = el(
    'form',
    { class: 'filters', role: 'search' },
    ...Object.values(fields).map((f) => f.label),
    decision.label,
    button('Search', 'submit'),
  );
  const search = async () => {
    const query = new URLSearchParams({ limit: '200' });
    for (const [name, f] of Object.entries(fields))
      if (f.input.value.trim() !== '') query.set(name, f.input.value.trim());
    if (decision.input.value !== '') query.set('decision', decision.input.value);
    const data = (await api(`/audit?${query}`)) as Json;
    results.replaceChildren(auditTable(data.records));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void search().catch((e) => results.replaceChildren(problem(e)));
  });
  show('Audit', form, results);
  await search();
}

async function debugCredentials(): Promise<void> {
  const data = (await api('/debug-credentials')) as Json;
  const status = el('div', { role: 'status', 'aria-live': 'polite' });
  const rows = data.credentials.map((c: Json) => [
    c.name,
    c.appId,
    c.source,
    c.audiences === null ? 'all' : c.audiences.join(', '),
    new Date(c.expiresAt).toISOString(),
    c.revokedAt !== null ? 'revoked' : c.expiresAt <= Date.now() ? 'expired' : 'active',
    c.source === 'console' && c.revokedAt === null
      ? button(
          `Revoke ${c.name}`,
          'button',
          'danger',
          () =>
            void api(`/debug-credentials/${c.id}/revoke`, {})
              .then(debugCredentials)
              .catch((e) => status.replaceChildren(problem(e))),
        )
      : '',
  ]);
  const apps = Object.entries(data.apps as Record<string, string[]>);
  const issueForm = (): Node => {
    if (!data.issuing) {
      return el(
        'p',
        { class: 'muted' },
        'Issuing debug credentials is off for this shield (admin.debugCredentials).',
      );
    }
    const app = select(
      'App',
      'appId',
      apps.map(([id]) => [id, id]),
    );
    const name = field('Holder (name)', 'name');
    const days = select('Expires in', 'days', [
      ['1', '1 day'],
      ['7', '7 days'],
      ['30', '30 days'],
    ]);
    const audiences = field('Audiences (space-separated)', 'audiences');
    const fill = () => (audiences.input.value = (data.apps[app.input.value] ?? []).join(' '));
    app.input.addEventListener('change', fill);
    fill();
    const form = el(
      'form',
      { class: 'filters', 'aria-label': 'Issue a debug credential' },
      app.label,
      name.label,
      days.label,
      audiences.label,
      button('Issue', 'submit'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const expiresAt = new Date(Date.now() + Number(days.input.value) * 86_400_000)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      void api('/debug-credentials', {
        appId: app.input.value,
        name: name.input.value,
        expiresAt,
        audiences: audiences.input.value.split(/\s+/).filter(Boolean),
      })
        .then(async (issued) => {
          await debugCredentials();
          const box = el(
            'div',
            { class: 'secret', role: 'alert' },
            el('p', {}, 'Copy this credential now: it is shown once and only its keyed hash is kept.'),
            el('code', { 'data-testid': 'secret' }, (issued as Json).secret),
          );
          main.insertBefore(box, main.children[1] ?? null);
        })
        .catch((e) => status.replaceChildren(problem(e)));
    });
    return form;
  };
  show(
    'Debug credentials',
    issueForm(),
    status,
    rows.length === 0
      ? el('p', { class: 'muted' }, 'No debug credentials.')
      : table(['Holder', 'App', 'Source', 'Audiences', 'Expires', 'State', ''], rows, 'Debug credentials'),
  );
}

async function keys(): Promise<void> {
  const data = (await api('/keys')) as Json;
  const status = el('div', { role: 'status' });
  const rotate = data.rotatable
    ? button(
        'Rotate signing key',
        'button',
        'danger',
        () =>
          void api('/keys/rotate', {})
            .then(keys)
            .catch((e) => status.replaceChildren(problem(e))),
      )
    : el('p', { class: 'muted' }, 'Rotate with portcullis keys rotate.');
  show(
    'Signing keys',
    rotate,
    status,
    table(
      ['Key id', 'Algorithm', 'Status', 'Created', 'Activates', 'Retires'],
      data.keys.map((k: Json) => [
        el('code', {}, k.kid),
        k.alg,
        k.status,
        k.createdAt,
        k.activatesAt,
        k.retiresAt ?? '',
      ]),
      'Signing keys',
    ),
  );
}

async function routes(): Promise<void> {
  const data = (await api('/routes')) as Json;
  show(
    'Routes',
    el('p', { class: 'muted' }, 'Each route’s effective policy, as the running shield applies it.'),
    table(
      ['Route', 'Methods', 'Path', 'Protection', 'Token mode', 'Limits', 'Injects', 'Limit mode'],
      data.routes.map((r: Json) => [
        r.id,
        r.methods.join(', '),
        el('code', {}, r.path),
        r.public
          ? 'public'
          : [
              r.require.token ? `token${r.require.level ? ` ≥ ${r.require.level}` : ''}` : 'no token',
              r.require.apps ? `apps ${r.require.apps.join(', ')}` : '',
              r.require.proof ? 'proof' : '',
              r.require.binding ? 'binding' : '',
            ]
              .filter(Boolean)
              .join(' · '),
        r.public ? '–' : r.tokenMode,
        String(r.limits),
        r.injects.join(', '),
        r.limitMode,
      ]),
      'Routes',
    ),
  );
}

async function enforce(): Promise<void> {
  const data = (await api(`/what-breaks?${windowQuery(7 * 1440)}`)) as Json;
  const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
  show(
    'What breaks if I enforce',
    el(
      'p',
      { class: 'muted' },
      'From the last 7 days of audit records: requests that routes in monitor mode let through but enforcement would refuse.',
    ),
    chartCard(
      'Share of requests enforcement would refuse, per route',
      data.routes.map((r: Json) => [r.routeId, Math.round(r.share * 1000) / 10]),
    ),
    ...data.routes.map((r: Json) =>
      el(
        'section',
        { class: 'card', 'aria-label': `Route ${r.routeId}` },
        el('h2', {}, `${r.routeId}: ${percent(r.share)} of ${r.requests} requests would be refused`),
        r.reasons.length === 0
          ? el('p', { class: 'muted' }, 'Nothing would be refused.')
          : table(
              ['Reason', 'Requests'],
              r.reasons.map((x: Json) => [x.reason, String(x.count)]),
              'Reasons',
            ),
        table(
          ['App version', 'Requests', 'Would refuse', 'Share'],
          r.appVersions.map((v: Json) => [
            v.appVersion,
            String(v.requests),
            String(v.wouldRefuse),
            percent(v.share),
          ]),
          'App versions',
        ),
      ),
    ),
  );
}

const RENDER: Record<Page, (arg?: string) => Promise<void>> = {
  overview,
  devices,
  audit,
  debug: debugCredentials,
  keys,
  routes,
  enforce,
};

async function route(): Promise<void> {
  const [name, ...rest] = location.hash.replace(/^#/, '').split('/');
  const page: Page = name !== undefined && name in PAGES ? (name as Page) : 'overview';
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#${page}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.setAttribute('aria-busy', 'true');
  try {
    const arg = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined;
    await RENDER[page](arg);
  } catch (error) {
    if ((error as ApiError).status === 401) return loginPage();
    show(PAGES[page], problem(error));
  } finally {
    main.removeAttribute('aria-busy');
  }
  main.focus();
}

function loginPage(): void {
  nav.hidden = true;
  logout.hidden = true;
  const token = field('Admin token', 'token', 'password');
  token.input.setAttribute('autocomplete', 'off');
  const status = el('div', { role: 'alert' });
  const form = el('form', { 'aria-label': 'Sign in' }, token.label, button('Sign in', 'submit'), status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = token.input.value;
    token.input.value = '';
    void signIn(value)
      .then(started)
      .catch((e) => status.replaceChildren(problem(e)));
  });
  clear(main);
  main.append(el('div', { class: 'login card' }, el('h1', {}, 'Sign in'), form));
  token.input.focus();
}

function started(): Promise<void> {
  nav.hidden = false;
  logout.hidden = false;
  return route();
}

for (const [page, title] of Object.entries(PAGES)) nav.append(el('a', { href: `#${page}` }, title));
window.addEventListener('hashchange', () => void route());
logout.addEventListener('click', () => void signOut().finally(loginPage));
void startSession().then((ok) => (ok ? started() : loginPage()));
