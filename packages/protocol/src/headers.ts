/** Header names of the protocol, lower-case as Node and fetch present them. */
export const HEADER_TOKEN = 'portcullis-token';
export const HEADER_PROOF = 'portcullis-proof';
export const HEADER_REQUEST_ID = 'x-request-id';
/** Every request header with this prefix is the shield's own and never reaches an upstream. */
export const SHIELD_HEADER_PREFIX = 'portcullis-';
/** JWS `typ` of an app token (RFC 8725 §3.11 explicit typing). */
export const APP_TOKEN_TYP = 'app+jwt';
