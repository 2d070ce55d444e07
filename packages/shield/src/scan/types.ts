/** Severities of findings, from the least to the most urgent. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How the shield can take a provider key out of the app: the `secrets:` entry and the injecting route. */
export interface GatewayRecipe {
  /** Name under `secrets:` (`[A-Za-z0-9_]`). */
  secretName: string;
  /** Environment variable the suggested reference reads. */
  envVar: string;
  /** Route id and the path prefix the app calls instead of the provider. */
  routeId: string;
  pathPrefix: string;
  /** The provider's API origin (plus base path). */
  upstream: string;
  methods: readonly string[];
  /** Lower-case header name and its value template, with `${secret:NAME}`. */
  header: string;
  template: string;
  /** What the secret's value must be, when it is not the key as found (e.g. base64 of `user:key`). */
  valueNote?: string;
}

/** One secret found, without its value: only a redacted prefix and a fingerprint leave the scanner. */
export interface Finding {
  ruleId: string;
  title: string;
  severity: Severity;
  /** The input as given on the command line (file or folder entry), relative when it was. */
  file: string;
  /** Path inside the archive, nested archives joined with `!/`; absent for plain files. */
  entry?: string;
  /** What the bytes were read as: `text`, `hermes`, `dex`, `arsc`, `axml`, `plist`, `binary`. */
  format: string;
  /** 1-based line of a text document, or the index + 1 of a string in a string table. */
  line?: number;
  /** The value cut to a short prefix, e.g. `sk_live_51H…` (never the whole secret). */
  redacted: string;
  /** Stable id of (rule, value): what an ignore file lists to accept a finding. */
  fingerprint: string;
  /** What to do about it. */
  fix: string;
  /** Set when the shield can inject this key for the app (`--suggest-config`). */
  recipe?: GatewayRecipe;
}

/** Something the scanner skipped or could not read, said once instead of failing the scan. */
export interface ScanNote {
  file: string;
  entry?: string;
  message: string;
  /** The whole input could not be read (not just one entry of it): the scan is incomplete. */
  unreadable?: boolean;
}

export interface ScanSummary {
  findings: Finding[];
  notes: ScanNote[];
  /** Findings left out by the ignore file. */
  ignored: number;
  /** Bytes read from the inputs (compressed size for archives on disk) and bytes scanned after inflating. */
  bytesRead: number;
  bytesScanned: number;
  /** Files and archive entries scanned, and those skipped (media, too large, unreadable). */
  filesScanned: number;
  filesSkipped: number;
}
