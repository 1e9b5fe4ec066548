/** One problem found by the portable verifier; `code` is the node's code for the same rule (SPEC §2). */
export interface Finding {
  /** Position of the span in the input. */
  index: number;
  id?: string;
  code: string;
  message: string;
}

/** Thrown inside the verifier only; callers get results, never this. */
export class VerifyError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
