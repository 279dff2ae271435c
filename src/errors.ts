/**
 * A refusal a capability knows how to word: an HTTP status, a stable code and the words, maybe the
 * field it is about. Capabilities throw these (engine included: this module imports nothing); the
 * HTTP edge renders any of them as `{error:{code, message, field, fields}}` with no per-route mapping.
 */
export class CodedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Every field's problem (a form shows each under its input); `field`/message name the first. */
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}
