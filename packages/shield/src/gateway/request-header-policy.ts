/**
 * Which headers the gateway owns. Kept in one place so the request scrubber, the route compiler
 * (an injected header may not use these names) and the docs agree.
 */

/** Hop-by-hop and framing headers (RFC 9110 §7.6.1): never forwarded, in either direction. */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Identity headers the gateway sets from verified claims; every client copy is removed. */
export const IDENTITY_HEADERS = {
  app: 'x-portcullis-app',
  device: 'x-portcullis-device',
  level: 'x-portcullis-level',
  platform: 'x-portcullis-platform',
  tokenId: 'x-portcullis-token-id',
} as const;

/**
 * Client request headers that never reach an upstream: hop-by-hop, the ones the gateway sets
 * itself (Host, Content-Length, X-Request-Id, forwarding headers), headers that some servers let
 * rewrite the URL or the client address, and method overrides (E-21, E-28, A7-02, A9-02).
 */
export const STRIPPED_REQUEST_HEADERS: readonly string[] = [
  ...HOP_BY_HOP_HEADERS,
  'host',
  'content-length',
  'expect',
  'x-request-id',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-forwarded-path',
  'x-forwarded-uri',
  'x-forwarded',
  'forwarded-for',
  'x-real-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'client-ip',
  'x-original-forwarded-for',
  'x-original-url',
  'x-original-uri',
  'x-original-path',
  'x-original-host',
  'x-rewrite-url',
  'x-host',
  'x-upstream',
  'x-http-destinationurl',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
];

/** Every request header with one of these prefixes is removed (protocol, identity, proxy, Envoy internals). */
export const STRIPPED_REQUEST_PREFIXES: readonly string[] = [
  'portcullis-',
  'x-portcullis-',
  'proxy-',
  'x-envoy-',
];

const STRIPPED = new Set(STRIPPED_REQUEST_HEADERS);

/** True for a lower-case header name that the gateway always removes from client requests. */
export function isShieldOwnedRequestHeader(lowerName: string): boolean {
  if (STRIPPED.has(lowerName)) return true;
  const first = lowerName.charCodeAt(0);
  if (first === 0x70) return lowerName.startsWith('portcullis-') || lowerName.startsWith('proxy-');
  if (first === 0x78) return lowerName.startsWith('x-portcullis-') || lowerName.startsWith('x-envoy-');
  return false;
}
