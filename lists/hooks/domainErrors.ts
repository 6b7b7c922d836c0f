// The one way a domain rule's refusal reaches Keystone: each problem of a DomainError becomes a
// validation error of the list hook that asked, labelled by its code, its field, or a fixed
// prefix, so the generated API and the Admin UI show the rule's own message. Anything else thrown
// is a bug, and is rethrown as it is.
import { DomainError, type FieldError } from '../../services/kernel'

export type ErrorLabel = 'code' | 'field' | { prefix: string }

type AddValidationError = (message: string) => void

/** Report each problem as a validation error. */
export function reportFieldErrors(add: AddValidationError, errors: readonly FieldError[], label: ErrorLabel): void {
  for (const error of errors) {
    const prefix = label === 'code' ? error.code : label === 'field' ? error.field : label.prefix
    add(prefix ? `${prefix}: ${error.message}` : error.message)
  }
}

/** Run a check that throws a DomainError when it refuses, and report its problems. */
export async function reportDomainErrors(
  add: AddValidationError,
  check: () => unknown,
  label: ErrorLabel,
): Promise<void> {
  try {
    await check()
  } catch (error) {
    if (!(error instanceof DomainError)) throw error
    reportFieldErrors(add, error.errors, label)
  }
}
