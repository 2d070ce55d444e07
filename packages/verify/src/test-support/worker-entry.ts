/**
 * The Worker the Cloudflare adapter test bundles and runs in workerd (via Miniflare): the
 * scenario routes of adapter-scenarios.ts, each behind withPortcullis, with the verifier built
 * from the Worker's bindings. Test code only.
 */
import { withPortcullis } from '../cloudflare.js';
import { createMemoryReplayStore } from '../create-memory-replay-store.js';
import { createVerifier, type Verifier } from '../create-verifier.js';

interface Env {
  JWKS_URL: string;
  ISSUER: string;
  AUDIENCE: string;
  APPLE_APP_ID: string;
  MAX_BODY_BYTES: string;
}

let verifier: Verifier | undefined;
function verifierFor(env: Env): Verifier {
  verifier ??= createVerifier({
    jwksUrl: env.JWKS_URL,
    issuer: env.ISSUER,
    audiences: [env.AUDIENCE],
    // As the fixture shield: development mode, so routes that name no level take its debug token.
    allowDev: true,
    mode: 'development',
    proofs: { replay: createMemoryReplayStore(), appleAppIds: { shop: [env.APPLE_APP_ID] } },
  });
  return verifier;
}

const me = withPortcullis<Env>(
  (_request, _env, _ctx, app) => Response.json({ sub: app.claims.sub, lvl: app.claims.lvl }),
  {
    verifier: verifierFor,
  },
);
const strong = withPortcullis<Env>((_request, _env, _ctx, app) => Response.json({ sub: app.claims.sub }), {
  verifier: verifierFor,
  require: { level: 'hardware' },
});
let pay: ReturnType<typeof withPortcullis<Env>> | undefined;

export default {
  async fetch(request: Request, env: Env, ctx: unknown): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === '/public') return Response.json({ open: true });
    if (path === '/me') return me(request, env, ctx);
    if (path === '/strong') return strong(request, env, ctx);
    if (path === '/pay') {
      pay ??= withPortcullis<Env>(
        async (req, _env, _ctx, app) => Response.json({ sub: app.claims.sub, body: await req.text() }),
        { verifier: verifierFor, require: { proof: true, maxBodyBytes: Number(env.MAX_BODY_BYTES) } },
      );
      return pay(request, env, ctx);
    }
    if (path === '/jwks-status') {
      const status = (verifierFor(env).keys as { status?: () => unknown }).status?.();
      return Response.json(status ?? null);
    }
    return new Response('not found', { status: 404 });
  },
};
