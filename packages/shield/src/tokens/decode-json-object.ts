// The strict JSON object decoder lives in @portcullis/protocol, shared with @portcullis/verify.
export {
  type DecodeJsonObjectResult,
  decodeJsonObject,
  type JsonObjectLimits,
  type JsonObjectProblem,
} from '@portcullis/protocol/verification';
