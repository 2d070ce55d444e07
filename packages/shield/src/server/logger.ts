import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Paths pino removes from every log line. Requests are never logged with their headers in the
 * first place; this is the second line of defence for any object that reaches a log call.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["portcullis-token"]',
  'req.headers["portcullis-proof"]',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["portcullis-token"]',
  'headers["portcullis-proof"]',
  'token',
  'secret',
  'secrets',
  'password',
  'privateKey',
  '*.token',
  '*.secret',
  '*.password',
  '*.privateKey',
];

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'portcullis' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

export type { Logger };
