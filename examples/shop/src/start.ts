import { resolve } from 'node:path';
import { createLogger } from '@portcullis/shield';
import { runShop } from './run-shop.js';

// `npm start`: the shield on its embedded defaults (demo config, SQLite, generated keys under
// ./.portcullis) in front of the shop backend, until Ctrl-C.
const dataDir = resolve(process.env['PORTCULLIS_DATA_DIR'] ?? '.portcullis');
const shieldPort = Number(process.env['PORT'] ?? 8080);
const upstreamPort = Number(process.env['SHOP_UPSTREAM_PORT'] ?? 3000);

// The shield's start-up log lines (its development-mode warnings among them) wait until the
// banner is out: the first thing on screen is how to use the demo.
const heldLogLines: string[] = [];
let bannerShown = false;
const logLines = {
  write(line: string) {
    if (bannerShown) process.stdout.write(line);
    else heldLogLines.push(line);
  },
};

const shop = await runShop({
  shieldPort,
  upstreamPort,
  dataDir,
  logger: createLogger({ level: process.env['LOG_LEVEL'] ?? 'info', destination: logLines }),
});
const url = shop.shieldUrl;
process.stdout.write(`
Portcullis is running (development mode, demo config).
  shield:        ${url}
  shop backend:  ${shop.backend.url}   (only the shield should call it)
  data:          ${dataDir}
  debug credential of the demo app (a simulator build would hold it):
    ${shop.debugCredential}

Try it from a second terminal (this one runs the shield; Ctrl-C stops both). Needs curl and jq:
  curl -s -XPOST ${url}/email/send; echo        # refused: no app token
  CHALLENGE=$(curl -s -XPOST ${url}/v1/challenge -H 'content-type: application/json' \\
    -d '{"appId":"shop"}' | jq -r .challenge)
  TOKEN=$(curl -s -XPOST ${url}/v1/attest -H 'content-type: application/json' \\
    -d '{"appId":"shop","challenge":"'"$CHALLENGE"'","evidence":[{"type":"debug","token":"${shop.debugCredential}"}]}' \\
    | jq -r .token)
  curl -s -XPOST ${url}/email/send -H "portcullis-token: $TOKEN" \\
    -H 'content-type: application/json' -d '{"to":["ana@example.com"]}'; echo
  (/payments/session also needs a proof signed by a hardware device key: see npm run demo)

`);
bannerShown = true;
for (const line of heldLogLines.splice(0)) process.stdout.write(line);
const stop = () => {
  shop.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
