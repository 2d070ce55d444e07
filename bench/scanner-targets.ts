import type { ScannerBenchResult, TargetResult } from './types.js';

const MB = 1_000_000;

/** The issue's targets for the scanner: 100 MB/s on the APK, faster than secretlint, recall and false alarms no worse. */
export function scannerTargets(scanner: ScannerBenchResult | null | undefined): TargetResult[] {
  const s = scanner ?? null;
  const text = s?.text;
  return [
    {
      id: 'scanner-throughput',
      description: `portcullis scan on a generated ${s === null ? '' : `${(s.apkBytes / MB).toFixed(0)} MB `}APK, MB/s (wall clock, median)`,
      value: s?.mbPerSecond ?? null,
      target: '>= 100 MB/s',
      pass: s === null ? null : s.mbPerSecond >= 100,
      ...(s === null
        ? {}
        : {
            note: `${s.mbPerCpuSecond} MB per CPU-second; recall ${s.recall * 100} % of ${s.planted} planted keys, ${s.cleanAlarms} alarms on the clean build`,
          }),
    },
    {
      id: 'scanner-vs-secretlint',
      description: 'secretlint CPU time / portcullis CPU time on the same extracted text',
      value: text?.speedup ?? null,
      target: '> 1.0x',
      pass: text === undefined ? null : text.speedup > 1,
      ...(text === undefined
        ? {}
        : {
            note: `${text.portcullisMbPerSecond} vs ${text.secretlintMbPerSecond} MB per CPU-second over ${(text.bytes / MB).toFixed(1)} MB in ${text.files} files`,
          }),
    },
    {
      id: 'scanner-recall',
      description: 'Planted keys found in the extracted text: portcullis recall (secretlint in the note)',
      value: text?.portcullisRecall ?? null,
      target: '>= secretlint',
      pass: text === undefined ? null : text.portcullisRecall >= text.secretlintRecall,
      ...(text === undefined ? {} : { note: `secretlint ${text.secretlintRecall}` }),
    },
    {
      id: 'scanner-clean-alarms',
      description:
        "Alarms (above information) on the clean build's text: portcullis (secretlint in the note)",
      value: text?.portcullisCleanAlarms ?? null,
      target: '<= secretlint',
      pass: text === undefined ? null : text.portcullisCleanAlarms <= text.secretlintCleanAlarms,
      ...(text === undefined ? {} : { note: `secretlint ${text.secretlintCleanAlarms}` }),
    },
  ];
}
