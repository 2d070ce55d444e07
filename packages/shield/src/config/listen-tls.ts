import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Config } from './schema.js';

/** The `listen.tls` section of a loaded config. */
export type ListenTlsConfig = NonNullable<Config['listen']['tls']>;

/**
 * Reads the certificate, chain and key files of `listen.tls` and returns the options of a TLS
 * server context: the certificate followed by the chain, the key, and the oldest TLS version.
 * Throws when a file cannot be read, or (`checked: true`, the default) when Node cannot build a
 * context from them (not PEM, or a key that does not match the certificate). Messages never hold
 * file contents.
 *
 * @example
 * ```ts
 * server.setSecureContext(await readListenTls(config.listen.tls, (path) => readFile(path, 'utf8')));
 * ```
 */
export async function readListenTls(
  tls: ListenTlsConfig,
  readFile: (path: string) => Promise<string>,
): Promise<SecureContextOptions> {
  const [cert, chain, key] = await Promise.all([
    readFile(tls.certFile),
    tls.chainFile === undefined ? Promise.resolve('') : readFile(tls.chainFile),
    readFile(tls.keyFile),
  ]);
  const options: SecureContextOptions = {
    cert: chain === '' ? cert : `${cert.trimEnd()}\n${chain}`,
    key,
    minVersion: tls.minVersion,
  };
  try {
    createSecureContext(options);
  } catch (error) {
    // Node's message ("key values mismatch", "no start line") names no secret; keep only it.
    const reason = error instanceof Error ? error.message.split('\n')[0] : 'unusable';
    throw new Error(`listen.tls: the certificate and key cannot be used (${reason})`);
  }
  return options;
}
