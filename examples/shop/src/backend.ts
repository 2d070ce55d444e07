import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The shop's own backend from the seed scenario. Its payment and e-mail routes only work with the
 * provider API keys, which the shield injects as `x-provider-key`; the app never holds them.
 * It records what it received so the demo and the tests can show exactly that.
 */
export interface ShopBackendOptions {
  paymentsApiKey: string;
  emailApiKey: string;
  port?: number;
  host?: string;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  /** True when the injected provider key matched: the key itself is never recorded. */
  providerKeyValid: boolean;
  /** Header names as received, to show what crossed the shield. */
  headerNames: string[];
  portcullisApp: string | undefined;
  portcullisLevel: string | undefined;
}

export interface ShopBackend {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

function sameSecret(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startShopBackend(options: ShopBackendOptions): Promise<ShopBackend> {
  const received: ReceivedRequest[] = [];
  let sessions = 0;
  const server: Server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    const route = `${req.method} ${path}`;
    const body = await readBody(req);
    const keyFor = route === 'POST /payments/session' ? options.paymentsApiKey : options.emailApiKey;
    const providerKeyValid = sameSecret(req.headers['x-provider-key'], keyFor);
    received.push({
      method: req.method ?? '',
      path,
      providerKeyValid,
      headerNames: Object.keys(req.headers).sort(),
      portcullisApp: req.headers['x-portcullis-app'] as string | undefined,
      portcullisLevel: req.headers['x-portcullis-level'] as string | undefined,
    });
    res.setHeader('content-type', 'application/json');
    if (route === 'GET /catalog') {
      res.end(
        JSON.stringify({
          items: [
            { sku: 'mug', price: 1200 },
            { sku: 'tee', price: 2500 },
          ],
        }),
      );
      return;
    }
    if (route !== 'POST /payments/session' && route !== 'POST /email/send') {
      res.statusCode = 404;
      res.end('{"error":"not found"}');
      return;
    }
    if (!providerKeyValid) {
      // What the payment or e-mail provider would answer without the right key.
      res.statusCode = 502;
      res.end('{"error":"provider refused: missing or wrong API key"}');
      return;
    }
    if (route === 'POST /payments/session') {
      sessions += 1;
      res.end(JSON.stringify({ sessionId: `cs_demo_${sessions}`, amount: safeAmount(body) }));
    } else {
      res.end(JSON.stringify({ queued: true }));
    }
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function safeAmount(body: string): number | null {
  try {
    const parsed = JSON.parse(body) as { amount?: unknown };
    return typeof parsed.amount === 'number' ? parsed.amount : null;
  } catch {
    return null;
  }
}
