import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@portcullis/shield';
import { EXPECTED_STORY, formatStory, playStory } from './play-story.js';
import { runShop } from './run-shop.js';

// `npm run demo`: the seed scenario on loopback, in a throwaway data folder, printed as a table.
const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-demo-'));
const shop = await runShop({
  shieldPort: 0,
  upstreamPort: 0,
  dataDir,
  logger: createLogger({ level: 'error' }),
});
let failed = false;
try {
  const scenes = await playStory(shop);
  process.stdout.write(
    `\nPortcullis demo: the shop's payment and e-mail backend behind the shield\n\n${formatStory(scenes)}\n\n`,
  );
  const mismatches = EXPECTED_STORY.filter((expected, i) => {
    const got = scenes[i];
    return (
      got === undefined ||
      got.status !== expected.status ||
      got.code !== expected.code ||
      got.reachedBackend !== expected.reachedBackend
    );
  });
  if (
    mismatches.length > 0 ||
    scenes.length !== EXPECTED_STORY.length ||
    scenes.some((scene) => scene.keyLeakedToCaller)
  ) {
    failed = true;
    process.stdout.write(
      `The story did not play as expected: ${mismatches.map((m) => m.scene).join('; ')}\n`,
    );
  } else {
    process.stdout.write(
      'Every scene played as expected: no token, no entry; the app never held the provider keys.\n',
    );
  }
} finally {
  await shop.close();
  await rm(dataDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
