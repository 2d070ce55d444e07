// `npm run bench` for `portcullis scan`: throughput on a large generated APK, and the text engine
// against secretlint on the same extracted text, with recall on planted keys and false alarms on
// a clean build for both.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { compileRules, findSecrets } from '../packages/shield/src/scan/find-secrets.js';
import { classify } from '../packages/shield/src/scan/formats/read-document.js';
import { fingerprint } from '../packages/shield/src/scan/redact.js';
import { SECRET_RULES } from '../packages/shield/src/scan/rules/catalog.js';
import { scanInputs } from '../packages/shield/src/scan/scan-inputs.js';
import { forEachZipEntry } from '../packages/shield/src/scan/sources/zip-entries.js';
import { fakeSecrets } from '../packages/shield/src/scan/testing/build-archives.js';
import { type PlantedKey, writeBenchApk } from './scanner-bench-apk.js';
import type { BenchSettings, ScannerBenchResult } from './types.js';

const MB = 1_000_000;
/** Shortest printable run kept when binary bytes are turned into text for secretlint (`strings -n 8`). */
const MIN_RUN = 8;

function printableRuns(bytes: Buffer): string {
  const runs: string[] = [];
  const text = bytes.toString('latin1');
  for (const match of text.matchAll(/[\x20-\x7e\t]{8,}/g))
    if (match[0].length >= MIN_RUN) runs.push(match[0]);
  return runs.join('\n');
}

/**
 * The text a person would get out of the APK with the usual tools, one file per entry: the
 * strings of Hermes bytecode, DEX and resource files (as the scanner reads them), text files as
 * they are, and printable runs of native code (`strings`). Images are left out.
 */
async function extractText(apk: string): Promise<{ name: string; content: string }[]> {
  const files: { name: string; content: string }[] = [];
  await forEachZipEntry(apk, async (entry) => {
    if (entry.directory) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of await entry.open()) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const kind = classify(bytes);
    if (kind.kind !== 'document') return undefined;
    const document = kind.read();
    files.push({
      name: entry.name,
      content: document.textual ? document.bytes.toString('latin1') : printableRuns(document.bytes),
    });
    return undefined;
  });
  return files;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** CPU seconds (this process, all threads) and wall seconds of `work`. */
async function timed<T>(
  work: () => Promise<T> | T,
): Promise<{ result: T; cpuSeconds: number; seconds: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return {
    result,
    cpuSeconds: (used.user + used.system) / 1e6,
    seconds: (performance.now() - started) / 1000,
  };
}

/** A reported range of an extracted file. */
interface Reported {
  name: string;
  start: number;
  end: number;
}

async function secretlint(files: { name: string; content: string }[]) {
  const found: Reported[] = [];
  for (const file of files) {
    const result = await lintSource({
      source: { filePath: `/apk/${file.name}`, content: file.content, contentType: 'text' },
      options: {
        config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] },
      },
    });
    for (const message of result.messages)
      found.push({ name: file.name, start: message.range[0], end: message.range[1] });
  }
  return found;
}

function portcullisText(files: { name: string; content: string }[], now: Date) {
  const matcher = compileRules(SECRET_RULES);
  const found: (Reported & { alarm: boolean })[] = [];
  for (const file of files)
    for (const match of findSecrets(Buffer.from(file.content, 'latin1'), true, matcher, now))
      found.push({
        name: file.name,
        start: match.offset,
        end: match.offset + match.value.length,
        alarm: match.severity !== 'info',
      });
  return found;
}

/**
 * A planted key counts as found when a reported range overlaps one of its places in its file
 * (secretlint reports some keys with their name, or only part of them: it still pointed there).
 */
function recall(
  planted: PlantedKey[],
  files: { name: string; content: string }[],
  found: Reported[],
): number {
  const alarms = planted.filter((key) => key.alarm);
  const hits = alarms.filter((key) => {
    const content = files.find((file) => file.name === key.entry)?.content ?? '';
    for (let at = content.indexOf(key.value); at !== -1; at = content.indexOf(key.value, at + 1)) {
      const end = at + key.value.length;
      if (found.some((each) => each.name === key.entry && each.start < end && each.end > at)) return true;
    }
    return false;
  });
  return alarms.length === 0 ? 1 : Math.round((hits.length / alarms.length) * 1000) / 1000;
}

/**
 * Builds the APKs in a temporary folder (deleted at the end), scans the planted one `rounds`
 * times after a warm-up on the clean one, then runs both engines on the extracted text.
 */
export async function runScannerBench(
  settings: NonNullable<BenchSettings['scanner']>,
  log: (line: string) => void,
): Promise<ScannerBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-scan-bench-'));
  try {
    const now = new Date();
    log(`scanner: generating a ${settings.apkMb} MB APK and a clean one`);
    const apk = join(dir, 'app.apk');
    const clean = join(dir, 'clean.apk');
    const planted = await writeBenchApk(apk, settings.apkMb * MB, fakeSecrets());
    await writeBenchApk(clean, settings.apkMb * MB, null);
    const apkBytes = statSync(apk).size;

    const cleanScan = await scanInputs([clean], dir, { now });
    const rounds: { seconds: number; cpuSeconds: number }[] = [];
    let last = cleanScan;
    for (let round = 0; round < settings.rounds; round++) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      last = await scanInputs([apk], dir, { now });
      const used = process.cpuUsage(cpu);
      rounds.push({
        seconds: (performance.now() - started) / 1000,
        cpuSeconds: (used.user + used.system) / 1e6,
      });
      log(`scanner: round ${round + 1}: ${(apkBytes / MB / rounds.at(-1)!.seconds).toFixed(1)} MB/s`);
    }
    const seconds = median(rounds.map((round) => round.seconds));
    const cpuSeconds = median(rounds.map((round) => round.cpuSeconds));
    const alarms = planted.filter((key) => key.alarm);
    const scanFound = alarms.filter((key) =>
      last.findings.some(
        (finding) =>
          finding.entry === key.entry && finding.fingerprint === fingerprint(finding.ruleId, key.value),
      ),
    );
    const scanRecall = alarms.length === 0 ? 1 : Math.round((scanFound.length / alarms.length) * 1000) / 1000;

    log('scanner: extracting text, running secretlint and portcullis on it');
    const text = await extractText(apk);
    const cleanText = await extractText(clean);
    const textBytes = text.reduce((sum, file) => sum + file.content.length, 0);
    // Both engines in alternating rounds after a warm-up each; the machine is shared, so the
    // comparison is made on CPU time (wall time is kept in the results too).
    portcullisText(cleanText, now);
    await secretlint(cleanText);
    const ourRounds: Awaited<ReturnType<typeof timed<ReturnType<typeof portcullisText>>>>[] = [];
    const theirRounds: Awaited<ReturnType<typeof timed<Awaited<ReturnType<typeof secretlint>>>>>[] = [];
    for (let round = 0; round < Math.max(1, settings.rounds); round++) {
      ourRounds.push(await timed(() => portcullisText(text, now)));
      theirRounds.push(await timed(() => secretlint(text)));
    }
    const ours = {
      found: ourRounds[0]!.result,
      cpuSeconds: median(ourRounds.map((each) => each.cpuSeconds)),
      seconds: median(ourRounds.map((each) => each.seconds)),
    };
    const theirs = {
      found: theirRounds[0]!.result,
      cpuSeconds: median(theirRounds.map((each) => each.cpuSeconds)),
      seconds: median(theirRounds.map((each) => each.seconds)),
    };
    const oursClean = portcullisText(cleanText, now);
    const theirsClean = await secretlint(cleanText);
    const version = (createRequire(import.meta.url)('@secretlint/core/package.json') as { version: string })
      .version;
    return {
      apkBytes,
      rounds,
      seconds,
      mbPerSecond: Math.round((apkBytes / MB / seconds) * 10) / 10,
      mbPerCpuSecond: Math.round((apkBytes / MB / cpuSeconds) * 10) / 10,
      planted: planted.filter((key) => key.alarm).length,
      recall: scanRecall,
      cleanAlarms: cleanScan.findings.filter((finding) => finding.severity !== 'info').length,
      text: {
        files: text.length,
        bytes: textBytes,
        secretlint: `@secretlint/core ${version} + preset-recommend`,
        portcullisSeconds: Math.round(ours.seconds * 1000) / 1000,
        secretlintSeconds: Math.round(theirs.seconds * 1000) / 1000,
        portcullisCpuSeconds: Math.round(ours.cpuSeconds * 1000) / 1000,
        secretlintCpuSeconds: Math.round(theirs.cpuSeconds * 1000) / 1000,
        portcullisMbPerSecond: Math.round((textBytes / MB / ours.cpuSeconds) * 10) / 10,
        secretlintMbPerSecond: Math.round((textBytes / MB / theirs.cpuSeconds) * 10) / 10,
        speedup: Math.round((theirs.cpuSeconds / ours.cpuSeconds) * 100) / 100,
        portcullisRecall: recall(planted, text, ours.found),
        secretlintRecall: recall(planted, text, theirs.found),
        portcullisCleanAlarms: oursClean.filter((each) => each.alarm).length,
        secretlintCleanAlarms: theirsClean.length,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
