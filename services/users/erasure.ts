// Erasure: what a user's removal does to the rows that outlive it, so that none holds the person's
// email, name, phone or address (API.md section 10). Called by beforeUserRemoval, inside the
// removal's transaction: a refused deletion rolls it back with everything else.
// - its account events keep their type and date, their parameters emptied (old emails, names);
// - its mails (by user, or to its address) lose recipient, body values, sealed link and error:
//   a sent mail keeps template, subject (fixed words per template), status and dates; a mail not
//   yet sent is deleted, having nobody left to go to;
// - every webhook delivery whose payload carries its id keeps its event and status, the user's
//   object in it cut to `{ id }` and any other string holding its email, name, phone or street
//   blanked (the delivery log and last error too): a delivery still pending goes out so;
// The rows that go with the user (addresses, sessions with their IP and user agent, one-time tokens
// with an email change's new address, challenges, recovery codes, passkeys, external accounts) are
// deleted by beforeUserRemoval; the search document is a column of the user row. Sign-in throttle
// and rate-limit keys are SHA-256 hashes (identity/throttle.ts, messaging/rateLimits.ts), no email
// in clear: the account's sign-in counters go here all the same (clearAccountLockout, for every
// address it held); the mailboxes' quiet periods stay until they expire (minutes), or deleting a
// customer and creating it again would mail it twice within one. Events this user caused on other users keep their type,
// date and parameters; their actor link is set null with the row (the foreign key).
import type { Context } from '../../generated/keystone/types'
import { clearAccountLockout } from '../identity'
import { ADDRESS_FIELDS, USER_FIELDS } from './searchDocument'

// a shorter value (a two-letter name) is blanked only where it is a whole string, not inside one
const MIN_CONTAINED = 3

/** Remove the person's data from the rows that outlive the user `user`, inside `tx`. */
export async function erasePersonalData(tx: Context, user: { id: string }): Promise<void> {
  const personal = await personalValuesOf(tx, user.id)
  await tx.prisma.accountEvent.updateMany({ where: { userId: user.id }, data: { parameters: {} } })
  for (const address of personal.emails) await clearAccountLockout(tx, address)

  // its own mails, and mails to any address it held that name no other user (an address since taken
  // by someone else keeps that one's mails)
  const mails = { OR: [{ userId: user.id }, { to: { in: personal.emails }, userId: null }] }
  // a mail not yet sent (waiting, or in a sender's hands, which then finds it gone) is not sent at all
  await tx.prisma.outboxMail.deleteMany({ where: { AND: [mails, { status: { not: 'sent' } }] } })
  await tx.prisma.outboxMail.updateMany({
    where: mails,
    data: { to: '', params: {}, sealedSecrets: null, lastError: '' },
  })

  const scrub = scrubber(user.id, [...personal.emails, ...personal.other])
  const deliveries = await tx.prisma.webhookDelivery.findMany({
    where: { payload: { contains: user.id } },
    select: { id: true, payload: true, log: true, lastError: true },
  })
  for (const delivery of deliveries) {
    await tx.prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: {
        payload: JSON.stringify(scrub(JSON.parse(delivery.payload))),
        log: (scrub(delivery.log ?? []) ?? []) as object,
        lastError: scrub(delivery.lastError) as string,
      },
    })
  }
}

/** The values that name the person: every email it held (its events and mails say which), names, phones, addresses. */
async function personalValuesOf(tx: Context, userId: string): Promise<{ emails: string[]; other: string[] }> {
  const user = await tx.prisma.user.findUniqueOrThrow({ where: { id: userId } })
  const addresses = await tx.prisma.address.findMany({ where: { userId } })
  const events = await tx.prisma.accountEvent.findMany({ where: { userId }, select: { parameters: true } })
  const mails = await tx.prisma.outboxMail.findMany({ where: { userId }, select: { to: true } })
  const emails = new Set([user.email])
  for (const { parameters } of events) {
    const found = parameters && typeof parameters === 'object' ? (parameters as Record<string, unknown>) : {}
    for (const key of ['old_email', 'new_email', 'email'])
      if (typeof found[key] === 'string' && found[key]) emails.add(found[key] as string)
  }
  for (const mail of mails) if (mail.to) emails.add(mail.to)
  const other = new Set<string>()
  for (const field of USER_FIELDS) if (field !== 'email') other.add(String(user[field] ?? ''))
  for (const address of addresses)
    for (const field of ADDRESS_FIELDS)
      if (field !== 'country' && field !== 'countryArea' && field !== 'city' && field !== 'cityArea')
        other.add(String(address[field] ?? ''))
  return { emails: [...emails], other: [...other].filter(value => value.trim() !== '') }
}

/**
 * A copy of a JSON value without the person: an object whose id is the user's becomes `{ id }`,
 * and a string holding one of `values` (case-insensitive) becomes ''.
 */
export function scrubber(userId: string, values: readonly string[]): (value: unknown) => unknown {
  const lowered = [...new Set(values.map(v => v.trim().toLowerCase()).filter(Boolean))]
  const holds = (text: string) => {
    const lower = text.toLowerCase()
    return lowered.some(value => lower === value || (value.length >= MIN_CONTAINED && lower.includes(value)))
  }
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return holds(value) ? '' : value
    if (Array.isArray(value)) return value.map(walk)
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>
      if (record.id === userId) return { id: userId }
      return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, walk(item)]))
    }
    return value
  }
  return walk
}
