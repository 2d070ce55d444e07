import { isPortcullisError } from '@portcullis/client';
import { portcullis } from './portcullis';

/** A product of the shop's catalogue. */
export interface Product {
  sku: string;
  /** Price in cents. */
  price: number;
}

/** A payment session opened with the payment provider (whose API key only the shield holds). */
export interface PaymentSession {
  sessionId: string;
  amount: number;
}

/** The backend answered, but not with what was asked (the backend's own error). */
export class ShopApiError extends Error {
  override readonly name = 'ShopApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function json<T>(response: Response, check: (body: unknown) => body is T): Promise<T> {
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok || !check(body))
    throw new ShopApiError(response.status, `shop backend answered ${response.status}`);
  return body;
}

function isCatalog(body: unknown): body is { items: Product[] } {
  const items = (body as { items?: unknown } | undefined)?.items;
  return (
    Array.isArray(items) && items.every((i) => typeof i?.sku === 'string' && typeof i?.price === 'number')
  );
}

function isSession(body: unknown): body is PaymentSession {
  const session = body as Partial<PaymentSession> | undefined;
  return typeof session?.sessionId === 'string' && typeof session.amount === 'number';
}

/** GET /catalog: a public route, sent without a token (no attestation needed to browse). */
export async function listCatalog(): Promise<Product[]> {
  return (await json(await portcullis.fetch('/catalog'), isCatalog)).items;
}

/** POST /payments/session: token required, signed with the device key (a proof route). */
export async function startPayment(amount: number): Promise<PaymentSession> {
  const response = await portcullis.fetch('/payments/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ amount }),
  });
  return json(response, isSession);
}

/** POST /email/send: token required; the shield injects the e-mail provider's key. */
export async function sendReceipt(email: string, sessionId: string): Promise<void> {
  const response = await portcullis.fetch('/email/send', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: email, template: 'receipt', sessionId }),
  });
  await json(response, (body): body is { queued: true } => (body as { queued?: unknown })?.queued === true);
}

/** A line for the user, and the shield's hint for the developer's log. */
export function describeError(error: unknown): { message: string; hint?: string } {
  if (isPortcullisError(error)) {
    switch (error.code) {
      case 'network_error':
      case 'timeout':
        return { message: 'No connection. Try again in a moment.' };
      case 'rate_limited':
      case 'budget_exhausted':
      case 'attestation_throttled':
        return { message: `Too many attempts. Try again in ${error.retryAfter ?? 60} s.` };
      case 'attestation_unsupported':
        return { message: 'This device cannot prove it runs the genuine app.', hint: error.hint };
      default:
        return { message: 'Something went wrong. Please try again.', hint: `${error.code}: ${error.hint}` };
    }
  }
  if (error instanceof ShopApiError) return { message: `The shop could not do that (${error.status}).` };
  return { message: 'Something went wrong. Please try again.' };
}
