// The one way a domain rule's refusal reaches Keystone: each problem of a DomainError becomes a
// validation error of the list hook that asked, labelled by its code, its field, or a fixed
// prefix, or, from a list action (which has no validation errors), a GraphQL error with the
// rule's code, so the generated API and the Admin UI show the rule's own message. Anything else
// thrown is a bug, and is rethrown as it is.
import { GraphQLError } from 'graphql'
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

/** Run a list action's work: a DomainError becomes a GraphQL error coded as its first problem. */
export async function actionDomainErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof DomainError)) throw error
    const [first] = error.errors
    throw new GraphQLError(error.errors.map(problem => problem.message).join(' '), {
      extensions: { code: first?.code ?? 'INVALID', field: first?.field ?? null },
    })
  }
}
