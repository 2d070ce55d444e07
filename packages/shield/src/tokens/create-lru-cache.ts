// The bounded LRU lives in @portcullis/protocol: the token verifiers of the shield and of
// @portcullis/verify both cache with it.
export { createLruCache, type LruCache } from '@portcullis/protocol/verification';
