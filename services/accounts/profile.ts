// A user's own profile, shared by accountUpdate (Saleor) and updateActiveUser (Openfront): names,
// language, phone, onboarding status, order webhook URL, public metadata and default addresses.
// It never touches email, staff flags, groups or private data: those have their own flows.
import type { Context } from '../../generated/keystone/types'
import { DomainError, type FieldError } from '../kernel'
import { mergeMetadata, metadataProblem } from '../kernel'
import { assertSafeWebhookUrl } from '../messaging'
import { createAddress, parsePhone, type AddressInput } from '../addresses'
import { afterUserChange, languageCodeProblems, nameProblems, nameToStore } from '../users'
import { inTransaction } from '../kernel'

export const ONBOARDING_STATUSES = ['not_started', 'in_progress', 'completed', 'dismissed'] as const

export type ProfileChanges = {
  firstName?: string | null
  lastName?: string | null
  name?: string | null
  languageCode?: string | null
  phone?: string | null
  onboardingStatus?: string | null
  orderWebhookUrl?: string | null
  metadata?: Record<string, string> | null
  defaultShippingAddress?: AddressInput | null
  defaultBillingAddress?: AddressInput | null
}

/**
 * Apply the caller's own profile changes after checking every field; reports all problems at once.
 * `actorId` is who acts in the caller's session (actorIdOf: the staff member in an impersonation).
 */
export async function updateProfile(
  context: Context,
  args: { userId: string; actorId: string | null; changes: ProfileChanges },
): Promise<void> {
  const { changes } = args
  const data = profileColumns(changes)

  await inTransaction(context, async tx => {
    const before = await tx.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
    // the full name: the one given, or first and last joined (services/users/names.ts)
    const name = nameToStore(before, data as { firstName?: string; lastName?: string; name?: string })
    if (name === undefined) delete data.name
    else data.name = name
    if (changes.metadata) {
      // Saleor's semantics: the given keys are set, the others stay; the limits hold for the whole
      // map, or repeated updates of a few new keys each would grow it without bound
      data.metadata = mergeMetadata(before.metadata, changes.metadata)
      const problem = metadataProblem(data.metadata)
      if (problem) throw new DomainError({ field: 'metadata', code: 'INVALID', message: `Metadata ${problem}.` })
    }
    if (Object.keys(data).length) await tx.prisma.user.update({ where: { id: args.userId }, data })
    // a default given as an address is added to the book and made default, as in Saleor
    if (changes.defaultShippingAddress)
      await createAddress(tx, { userId: args.userId, input: changes.defaultShippingAddress, setDefault: 'SHIPPING' })
    if (changes.defaultBillingAddress)
      await createAddress(tx, { userId: args.userId, input: changes.defaultBillingAddress, setDefault: 'BILLING' })
    const after = await tx.prisma.user.findUniqueOrThrow({ where: { id: args.userId } })
    await afterUserChange(tx, { before, after, actorId: args.actorId })
  })
}

// the columns the changes write, each judged by its one rule; every problem refused together
function profileColumns(changes: ProfileChanges): Record<string, unknown> {
  const errors: FieldError[] = []
  const data: Record<string, unknown> = {}
  for (const key of ['firstName', 'lastName', 'name'] as const) {
    const value = changes[key]
    if (value === undefined) continue
    const trimmed = (value ?? '').trim()
    const problems = nameProblems({ [key]: trimmed })
    if (problems.length) errors.push(...problems)
    else data[key] = trimmed
  }
  if (changes.languageCode !== undefined) {
    const code = (changes.languageCode ?? 'en').trim()
    const problems = languageCodeProblems(code)
    if (problems.length) errors.push(...problems)
    else data.languageCode = code
  }
  if (changes.phone !== undefined) {
    // international form only: a profile has no country to read a national number against
    const phone = parsePhone(changes.phone ?? '')
    if (phone.ok) data.phone = phone.e164
    else errors.push({ field: 'phone', code: 'INVALID', message: phone.message })
  }
  if (changes.onboardingStatus !== undefined) {
    if (!ONBOARDING_STATUSES.includes(changes.onboardingStatus as never)) {
      errors.push({
        field: 'onboardingStatus',
        code: 'INVALID',
        message: `onboardingStatus must be one of ${ONBOARDING_STATUSES.join(', ')}.`,
      })
    } else data.onboardingStatus = changes.onboardingStatus
  }
  if (changes.orderWebhookUrl !== undefined) {
    if (!changes.orderWebhookUrl) data.orderWebhookUrl = ''
    else {
      try {
        data.orderWebhookUrl = assertSafeWebhookUrl(changes.orderWebhookUrl, 'orderWebhookUrl')
      } catch (error) {
        if (error instanceof DomainError) errors.push(...error.errors)
        else throw error
      }
    }
  }
  if (changes.metadata !== undefined) {
    const problem = metadataProblem(changes.metadata)
    if (problem) errors.push({ field: 'metadata', code: 'INVALID', message: `Metadata ${problem}.` })
  }
  if (errors.length) throw new DomainError(errors)
  return data
}
