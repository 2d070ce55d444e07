import { resolve } from 'node:path';
import { createLogger } from '@portcullis/shield';
import { runShop } from './run-shop.js';

// `npm start`: the shield on its embedded defaults (demo config, SQLite, generated keys under
// ./.portcullis) in front of the shop backend, until Ctrl-C.
const dataDir = resolve(process.env['PORTCULLIS_DATA_DIR'] ?? '.portcullis');
const shieldPort = Number(process.env['PORT'] ?? 8080);
const upstreamPort = Number(process.env['SHOP_UPSTREAM_PORT'] ?? 3000);

const shop = await runShop({
  shieldPort,
  upstreamPort,
  dataDir,
  logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'info' }),
});
process.stdout.write(`
Portcullis is running (development mode, demo config).
  shield:        ${shop.shieldUrl}
  shop backend:  ${shop.backend.url}   (only the shield should call it)
  data:          ${dataDir}
  debug credential of the demo app (a simulator build would hold it):
    ${shop.debugCredential}

Try it:
  curl -s -XPOST ${shop.shieldUrl}/payments/session            # refused: no app token
  curl -s -XPOST ${shop.shieldUrl}/v1/challenge -H 'content-type: application/json' -d '{"appId":"shop"}'
  curl -s -XPOST ${shop.shieldUrl}/v1/attest -H 'content-type: application/json' \\
    -d '{"appId":"shop","challenge":"<challenge>","evidence":[{"type":"debug","token":"${shop.debugCredential}"}]}'
  curl -s -XPOST ${shop.shieldUrl}/email/send -H 'portcullis-token: <token>' \\
    -H 'content-type: application/json' -d '{"to":["ana@example.com"]}'
  (/payments/session also needs a proof signed by a hardware device key: see npm run demo)
Ctrl-C stops both.
`);
const stop = () => {
  shop.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
