// What the TOTP operations of this folder share (API.md §9 "TOTP"): their refusals, the one
// password check (throttled as a sign-in), and the one way a code (TOTP or recovery) admits a change.
// None of the TOTP operations ends the user's other sessions: turning a factor on or off, or new
// recovery codes, changes no credential a session was proven with (sessionsRevokeOthers is one call
// away); a staff reset does (secondFactorReset.ts, SECOND_FACTOR_RESET).
import type { Context } from '../../../generated/keystone/types'
import { DomainError, inTransaction } from '../../kernel'
import { invalidMfaCode, presentedCode, proveOwnPassword, useSecondFactorCode, withCodeThrottle } from '../../identity'

type UserRow = NonNullable<Awaited<ReturnType<Context['prisma']['user']['findUnique']>>>

export function invalidPassword(): DomainError {
  return new DomainError({ field: 'password', code: 'INVALID_PASSWORD', message: "Password isn't valid." })
}

export function alreadyEnabled(): DomainError {
  return new DomainError({
    field: null,
    code: 'INVALID',
    message: 'Two-step sign-in is already on for this account: turn it off first to set up another app.',
  })
}

export function notEnabled(): DomainError {
  return new DomainError({ field: null, code: 'INVALID', message: 'Two-step sign-in is not on for this account.' })
}

// the one password check of these operations: the signed-in user's password, throttled as a sign-in
export async function userWithPassword(context: Context, args: { userId: string; password: string; ip: string }) {
  const user = await context.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
  await proveOwnPassword(context, { user, password: args.password, ip: args.ip, refusal: invalidPassword })
  return user
}

/**
 * With a code (TOTP or recovery) of a user with TOTP on, whose password was just checked: run
 * `change` in one transaction with the code's use, so a refused change gives the code back. Wrong
 * codes count in the sign-in throttle (withCodeThrottle), as at sign-in.
 */
export async function withSecondFactor<T>(
  context: Context,
  user: UserRow,
  args: { code: string; ip: string },
  change: (tx: Context) => Promise<T>,
): Promise<T> {
  const presented = presentedCode(args.code)
  if (presented.kind === 'malformed') throw invalidMfaCode()
  return withCodeThrottle(context, { ip: args.ip, email: user.email }, () =>
    inTransaction(context, async tx => {
      if (!(await useSecondFactorCode(tx, user, presented))) throw invalidMfaCode()
      return change(tx)
    }),
  )
}
