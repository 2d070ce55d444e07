import { pathToFileURL } from 'node:url';
import type { SecretRule } from '../rules/secret-rule.js';
import type { ScanSummary, Severity } from '../types.js';
import { positionOf } from './location.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};
/** GitHub code scanning maps these to its critical / high / medium / low bands. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function uriOf(file: string): string {
  if (file.startsWith('/')) return pathToFileURL(file).href;
  return encodeURI(file.replaceAll('\\', '/'));
}

/**
 * `--sarif`: a SARIF 2.1.0 log for code-scanning tools. One result per finding; the archive entry
 * is named in the message and in `properties.entry` (the artifact is the archive itself), the
 * fingerprint goes into `partialFingerprints` so a tool tracks a finding across builds.
 */
export function renderSarif(summary: ScanSummary, rules: readonly SecretRule[], version: string): string {
  const index = new Map(rules.map((rule, i) => [rule.id, i]));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'portcullis-scan',
            version,
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.title,
              shortDescription: { text: rule.title },
              help: { text: rule.fix },
              defaultConfiguration: { level: LEVEL[rule.severity] },
              properties: {
                tags: ['security', 'secret'],
                'security-severity': SECURITY_SEVERITY[rule.severity],
              },
            })),
          },
        },
        results: summary.findings.map((finding) => {
          const position = positionOf(finding);
          const where = finding.entry === undefined ? '' : ` in ${finding.entry}`;
          return {
            ruleId: finding.ruleId,
            ...(index.has(finding.ruleId) ? { ruleIndex: index.get(finding.ruleId) } : {}),
            level: LEVEL[finding.severity],
            message: {
              text: `${finding.title} (${finding.redacted})${where}${position === '' ? '' : `, ${position}`}. ${finding.fix}`,
            },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: uriOf(finding.file) },
                  ...(finding.entry === undefined && finding.line !== undefined
                    ? { region: { startLine: finding.line } }
                    : {}),
                },
              },
            ],
            partialFingerprints: { 'portcullisSecret/v1': finding.fingerprint },
            properties: {
              severity: finding.severity,
              'security-severity': SECURITY_SEVERITY[finding.severity],
              format: finding.format,
              ...(finding.entry === undefined ? {} : { entry: finding.entry }),
            },
          };
        }),
        invocations: [
          {
            executionSuccessful: !summary.notes.some((note) => note.unreadable === true),
            toolExecutionNotifications: summary.notes.map((note) => ({
              level: note.unreadable === true ? 'error' : 'note',
              message: {
                text: `${note.entry === undefined ? note.file : `${note.file}!/${note.entry}`}: ${note.message}`,
              },
            })),
          },
        ],
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
