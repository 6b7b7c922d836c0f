// Passkeys (WebAuthn Level 2, API.md §9) through @simplewebauthn/server: the options a browser
// needs to create or use one, checking what it answers, and the one passkey sign-in every way in
// shares (verifyPasskeySignIn: tokenCreateWithPasskey here, the Admin UI's cookie sign-in beside
// it). Rules owned here:
// - the relying party is env.webauthnRpId, the origins env.webauthnOrigins, its name env.shopName;
// - every challenge is ours (challenges.ts): 256 random bits, stored hashed, bound to a purpose
//   (and to the user who registers, or the user an email names), spent by one conditional write
//   before the response is judged, so a response counts once, even when two race;
// - a passkey must verify its user (UV): it counts as two factors (amr hwk + mfa), which only a
//   key that the user unlocked with a PIN or a biometric is; and it must be discoverable
//   (residentKey required), so a sign-in needs no email and no list of credential ids;
// - authentication options never name credentials, with or without an email: a registered and an
//   unknown email get the same answer (no enumeration); the email only binds the challenge to its
//   user, whose passkeys alone may answer it;
// - the signature counter moves forward only: one that did not (non-zero and not above the stored
//   one) is refused, and the new counter is written only over the one read, so a replay racing
//   the original loses;
// - a sign-in binds to the user's token key with a conditional write (bindPasskeySignIn), never
//   writing back a key it read; a user without a password signs in as well.
// Every refusal of a sign-in is INVALID_CREDENTIALS, with nothing changed but the challenge spent.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server'
import type { Context } from '../../generated/keystone/types'
import { env } from '../../env'
import { DomainError, inTransaction, lockUser, normalizeEmail } from '../kernel'
import { issueChallenge, liveChallenge, newChallenge, spendChallenge, CHALLENGE_TTL_SECONDS } from './challenges'
import { newTokenKey } from './jwt'
import { issueTokens, type IssuedTokens, type SignInClient } from './tokens'
import type { AuthMethod } from './userSessions'
import { assertMayAddSecondFactor } from './secondFactor'

// a passkey counts as two factors: something held (the key), and the PIN or biometric that unlocked it
export const PASSKEY_AMR: AuthMethod[] = ['hwk', 'mfa']
// the most passkeys one user may register
export const MAX_PASSKEYS_PER_USER = 20
export const MAX_PASSKEY_NAME_LENGTH = 100
// the longest credential id we store (authenticators use 16 to 64 bytes; WebAuthn allows up to 1023)
const MAX_CREDENTIAL_ID_LENGTH = 1400
// the algorithms we accept: Ed25519, P-256, RSA (simplewebauthn's defaults, without post-quantum ones)
const SUPPORTED_ALGORITHMS = [-8, -7, -257]
const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']

/** A passkey as its owner sees it: never its key or credential id. */
export type PasskeyView = { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }

/** Who a passkey sign-in proved, with the token key its session binds to (already bound). */
export type PasskeySignIn = {
  user: { id: string; email: string; isStaff: boolean; jwtTokenKey: string }
  amr: AuthMethod[]
  // the passkey that proved it, which its session records (removing the passkey ends the session)
  passkeyId: string
}

const invalidCredentials = () =>
  new DomainError({ field: 'response', code: 'INVALID_CREDENTIALS', message: 'Please, enter valid credentials' })

const invalidRegistration = (message = 'This passkey response is not valid. Ask for new options and try again.') =>
  new DomainError({ field: 'response', code: 'INVALID', message })

/** Whether a string has the shape of one of our row ids (cuid). */
export function isPasskeyId(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z0-9]{20,32}$/.test(value)
}

/**
 * Options for navigator.credentials.create(): for the signed-in `userId`, a new challenge of its
 * own (PASSKEY_REGISTRATION), the user's passkeys excluded (an authenticator already holding one
 * says so instead of making a second).
 */
export async function passkeyRegistrationOptions(
  context: Context,
  userId: string,
  amr: readonly AuthMethod[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await context.prisma.user.findUniqueOrThrow({
    where: { id: userId },
    select: { id: true, email: true, firstName: true, lastName: true },
  })
  await assertMayAddSecondFactor(context, userId, amr)
  const existing = await context.prisma.passkeyCredential.findMany({
    where: { userId },
    select: { credentialId: true, transports: true },
  })
  await dropOlderRegistrations(context, userId)
  const { challenge } = await issueChallenge(context, {
    purpose: 'PASSKEY_REGISTRATION',
    userId,
    challenge: newChallenge(),
  })
  const displayName = [user.firstName, user.lastName].filter(Boolean).join(' ').trim() || user.email
  return generateRegistrationOptions({
    rpName: env.shopName,
    rpID: env.webauthnRpId,
    userName: user.email,
    userDisplayName: displayName,
    // the user handle: our row id, no personal data; a discoverable sign-in answers it back
    userID: new TextEncoder().encode(user.id),
    // the bytes of our challenge, so the options carry exactly the string we stored
    challenge: Buffer.from(challenge, 'base64url'),
    timeout: CHALLENGE_TTL_SECONDS * 1000,
    attestationType: 'none',
    excludeCredentials: existing.map(row => ({ id: row.credentialId, transports: transportsOf(row.transports) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
  })
}

// a user registers a passkey or two at a time (two tabs), not hundreds: asking again drops its
// registration challenges but the newest few, so a session that asks in a loop stores a handful
const PENDING_REGISTRATIONS = 4

async function dropOlderRegistrations(context: Context, userId: string): Promise<void> {
  const older = await context.prisma.authChallenge.findMany({
    where: { userId, purpose: 'PASSKEY_REGISTRATION' },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: PENDING_REGISTRATIONS - 1,
    select: { id: true },
  })
  if (older.length) await context.prisma.authChallenge.deleteMany({ where: { id: { in: older.map(row => row.id) } } })
}

/** A registration response that verified: the credential to store, its challenge spent. */
export type VerifiedPasskey = {
  credentialId: string
  publicKey: string
  counter: number
  transports: string
  backedUp: boolean
}

/**
 * Check a registration response against the caller's live registration challenge, spent here
 * (once, by a conditional write that commits on its own, whatever follows). Anything wrong with
 * the response is INVALID on `response`. storePasskey then stores what it proves.
 */
export async function verifyPasskeyRegistration(
  context: Context,
  args: { userId: string; response: unknown; amr: readonly AuthMethod[] },
): Promise<VerifiedPasskey> {
  await assertMayAddSecondFactor(context, args.userId, args.amr)
  const response = registrationResponseOf(args.response)
  if (!response) throw invalidRegistration()
  const presented = challengeOf(response.response.clientDataJSON)
  const challenge = await liveChallenge(context, presented, 'PASSKEY_REGISTRATION')
  if (!challenge || challenge.userId !== args.userId) throw invalidRegistration()
  if (!(await spendChallenge(context, challenge.id))) throw invalidRegistration()

  let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: presented,
      expectedOrigin: env.webauthnOrigins,
      expectedRPID: env.webauthnRpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    })
  } catch {
    throw invalidRegistration()
  }
  if (!verification.verified) throw invalidRegistration()
  const { credential, credentialBackedUp } = verification.registrationInfo
  if (credential.id.length > MAX_CREDENTIAL_ID_LENGTH) throw invalidRegistration()
  return {
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: (credential.transports ?? []).filter(t => TRANSPORTS.includes(t)).join(','),
    backedUp: credentialBackedUp,
  }
}

/**
 * Store a verified passkey for its user, named `name` (trimmed, 1 to 100 characters) or "Passkey"
 * and the date. A credential registered already, to anyone, is UNIQUE; a user may hold at most
 * MAX_PASSKEYS_PER_USER. The caller (services/accounts) records the event and the mail in the same
 * transaction.
 */
export async function storePasskey(
  context: Context,
  args: { userId: string; passkey: VerifiedPasskey; name?: string | null },
): Promise<PasskeyView> {
  const name = args.name === undefined || args.name === null ? null : cleanPasskeyName(args.name)
  const count = await context.prisma.passkeyCredential.count({ where: { userId: args.userId } })
  if (count >= MAX_PASSKEYS_PER_USER)
    throw invalidRegistration(`An account may have at most ${MAX_PASSKEYS_PER_USER} passkeys; remove one first.`)
  const taken = await context.prisma.passkeyCredential.findUnique({
    where: { credentialId: args.passkey.credentialId },
    select: { id: true },
  })
  if (taken) throw alreadyRegistered()
  const createdAt = new Date()
  try {
    const row = await context.prisma.passkeyCredential.create({
      data: { userId: args.userId, ...args.passkey, name: name ?? defaultPasskeyName(createdAt), createdAt },
    })
    return viewOf(row)
  } catch (error) {
    // a twin registration of the same credential committed first: the unique index decides
    if ((error as { code?: string }).code === 'P2002') throw alreadyRegistered()
    throw error
  }
}

/** The passkeys of a user, the most recently made first. */
export async function passkeysOfUser(context: Context, userId: string): Promise<PasskeyView[]> {
  const rows = await context.prisma.passkeyCredential.findMany({
    where: { userId },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: MAX_PASSKEYS_PER_USER * 2,
  })
  return rows.map(viewOf)
}

/** Rename one of the user's own passkeys; another's, or none, is NOT_FOUND. */
export async function renamePasskey(
  context: Context,
  args: { userId: string; id: string; name: string },
): Promise<PasskeyView> {
  const name = cleanPasskeyName(args.name)
  if (!isPasskeyId(args.id)) throw passkeyNotFound()
  const { count } = await context.prisma.passkeyCredential.updateMany({
    where: { id: args.id, userId: args.userId },
    data: { name },
  })
  if (count !== 1) throw passkeyNotFound()
  return viewOf(await context.prisma.passkeyCredential.findUniqueOrThrow({ where: { id: args.id } }))
}

/** Delete one of the user's own passkeys; another's, or none, is NOT_FOUND. Answers what went. */
export async function deletePasskey(context: Context, args: { userId: string; id: string }): Promise<PasskeyView> {
  if (!isPasskeyId(args.id)) throw passkeyNotFound()
  const row = await context.prisma.passkeyCredential.findFirst({ where: { id: args.id, userId: args.userId } })
  if (!row) throw passkeyNotFound()
  const { count } = await context.prisma.passkeyCredential.deleteMany({ where: { id: row.id, userId: args.userId } })
  if (count !== 1) throw passkeyNotFound()
  return viewOf(row)
}

/**
 * Options for navigator.credentials.get(). With no email, for a discoverable credential; with one,
 * the very same answer whether or not it is registered: allowCredentials is always empty (every
 * passkey is discoverable), and the email only binds the challenge, unseen, to its user (none for
 * an unknown email, whose challenge no passkey can answer). The same statements run either way.
 */
export async function passkeyAuthenticationOptions(
  context: Context,
  args: { email?: string | null } = {},
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const named = typeof args.email === 'string' && args.email.trim() !== ''
  let userId: string | undefined
  if (named) {
    const user = await context.prisma.user.findUnique({
      where: { email: normalizeEmail(args.email!) },
      select: { id: true },
    })
    userId = user?.id
  }
  const { challenge } = await issueChallenge(context, {
    purpose: 'PASSKEY_SIGN_IN',
    userId,
    payload: { emailGiven: named },
    challenge: newChallenge(),
  })
  return generateAuthenticationOptions({
    rpID: env.webauthnRpId,
    challenge: Buffer.from(challenge, 'base64url'),
    allowCredentials: [],
    userVerification: 'required',
    timeout: CHALLENGE_TTL_SECONDS * 1000,
  })
}

/**
 * The one passkey sign-in (tokenCreateWithPasskey, the Admin UI): check an authentication response
 * and answer who it proves, bound to the token key its session must carry (bindPasskeySignIn: the
 * session begun with `user.jwtTokenKey` is alive; nothing else needs writing), with `amr`
 * hwk + mfa. In order: the response's challenge, live and of PASSKEY_SIGN_IN, spent (once, by a
 * conditional write); the credential by its id; its user (a challenge an email bound to a user
 * answers only to that user's passkeys; a discoverable response's user handle must name the same
 * user); the signature, origin, RP id, user presence and verification, and a counter that moved
 * forward (verifyAuthenticationResponse); the new counter written over the one read; the binding.
 * Every refusal before the user is known to hold the passkey is INVALID_CREDENTIALS; an inactive
 * or unconfirmed account that proved it holds one is told so (INACTIVE, ACCOUNT_NOT_CONFIRMED), as
 * tokenCreate tells a right password.
 *
 * `begin` starts the sign-in's session (tokens, or the Admin UI's cookie) in the transaction that
 * binds it, under the user's lock, which removing a passkey takes too (services/accounts/passkeys.ts):
 * a removal either commits first, and this sign-in finds its passkey gone, or waits until the new
 * session exists, and ends it. No session outlives the passkey that began it.
 */
export async function verifyPasskeySignIn<T>(
  context: Context,
  // `ip`: where the sign-in comes from, as every sign-in's caller knows it; the check itself does
  // not read it (a passkey cannot be guessed, so no throttle counts its failures)
  args: { response: unknown; ip?: string },
  begin: (tx: Context, signIn: PasskeySignIn) => Promise<T>,
): Promise<T> {
  const response = authenticationResponseOf(args.response)
  if (!response) throw invalidCredentials()
  const presented = challengeOf(response.response.clientDataJSON)
  const challenge = await liveChallenge(context, presented, 'PASSKEY_SIGN_IN')
  if (!challenge) throw invalidCredentials()
  // spent before the response is judged: whatever the outcome, a challenge answers once
  if (!(await spendChallenge(context, challenge.id))) throw invalidCredentials()

  const passkey = await context.prisma.passkeyCredential.findUnique({ where: { credentialId: response.id } })
  if (!passkey?.userId) throw invalidCredentials()
  if (challenge.payload.emailGiven === true && challenge.userId !== passkey.userId) throw invalidCredentials()
  if (response.response.userHandle && !sameUserHandle(response.response.userHandle, passkey.userId))
    throw invalidCredentials()
  const user = await context.prisma.user.findUnique({
    where: { id: passkey.userId },
    select: { id: true, email: true, isStaff: true, isActive: true, isConfirmed: true, jwtTokenKey: true },
  })
  if (!user) throw invalidCredentials()

  let newCounter: number
  try {
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: presented,
      expectedOrigin: env.webauthnOrigins,
      expectedRPID: env.webauthnRpId,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
        counter: passkey.counter,
        transports: transportsOf(passkey.transports),
      },
      requireUserVerification: true,
    })
    if (!verification.verified) throw invalidCredentials()
    newCounter = verification.authenticationInfo.newCounter
  } catch {
    throw invalidCredentials()
  }
  if (!user.isActive) throw new DomainError({ field: 'response', code: 'INACTIVE', message: 'Account inactive.' })
  if (env.accountConfirmationRequired && !user.isConfirmed)
    throw new DomainError({
      field: 'response',
      code: 'ACCOUNT_NOT_CONFIRMED',
      message: 'Account needs to be confirmed via email.',
    })
  return inTransaction(context, async tx => {
    await lockUser(tx, user.id)
    // the user's row before the passkey's, as a reset or a removal of the account writes them
    const jwtTokenKey = await bindPasskeySignIn(tx, { id: user.id, jwtTokenKey: user.jwtTokenKey }, passkey.id)
    // the counter moves forward (or stays 0 for an authenticator that keeps none), written only over
    // the one read: of two uses racing with one counter value, one wins
    const { count } = await tx.prisma.passkeyCredential.updateMany({
      where: { id: passkey.id, counter: passkey.counter },
      data: { counter: newCounter, lastUsedAt: new Date() },
    })
    if (count !== 1) throw invalidCredentials()
    const proven = { id: user.id, email: user.email, isStaff: user.isStaff, jwtTokenKey }
    return begin(tx, { user: proven, amr: [...PASSKEY_AMR], passkeyId: passkey.id })
  })
}

/** tokenCreateWithPasskey: a passkey sign-in that begins a session and issues its tokens. */
export async function signInWithPasskeyForTokens(
  context: Context,
  args: SignInClient & { response: unknown },
): Promise<IssuedTokens> {
  return verifyPasskeySignIn(context, { response: args.response, ip: args.ip }, (tx, { user, amr, passkeyId }) =>
    issueTokens(tx, user, { amr, passkeyId, ip: args.ip, userAgent: args.userAgent }),
  )
}

/**
 * Record a passkey sign-in and answer the token key its session binds to, as bindSignIn does for a
 * password: the write is conditional on the key the sign-in read, so it never writes back a key a
 * credential change (sign out everywhere, a reset, a deactivation) replaced meanwhile. When only the
 * key moved on, the passkey still proves the user: the sign-in binds to the key as it is now, if the
 * account is still active and the passkey still its own (a passkey removed meanwhile proves nothing).
 * No password is read or needed.
 */
export async function bindPasskeySignIn(
  context: Context,
  user: { id: string; jwtTokenKey: string | null },
  passkeyId: string,
): Promise<string> {
  let read = user.jwtTokenKey
  for (let attempt = 0; attempt < 3; attempt++) {
    const jwtTokenKey = read ?? newTokenKey()
    // and only while the passkey is still the user's: one removed meanwhile binds nothing
    const { count } = await context.prisma.user.updateMany({
      where: {
        id: user.id,
        jwtTokenKey: read,
        isActive: true,
        from_PasskeyCredential_user: { some: { id: passkeyId } },
      },
      data: { lastLogin: new Date(), jwtTokenKey },
    })
    if (count === 1) return jwtTokenKey
    const now = await context.prisma.user.findUnique({
      where: { id: user.id },
      select: { isActive: true, jwtTokenKey: true },
    })
    const still = await context.prisma.passkeyCredential.count({ where: { id: passkeyId, userId: user.id } })
    if (!now?.isActive || still !== 1) throw invalidCredentials()
    read = now.jwtTokenKey
  }
  throw invalidCredentials()
}

/** A passkey's name as typed: trimmed, 1 to MAX_PASSKEY_NAME_LENGTH characters. */
export function cleanPasskeyName(name: string): string {
  const trimmed = name.trim()
  if (trimmed === '') throw new DomainError({ field: 'name', code: 'REQUIRED', message: 'Give the passkey a name.' })
  if ([...trimmed].length > MAX_PASSKEY_NAME_LENGTH)
    throw new DomainError({
      field: 'name',
      code: 'INVALID',
      message: `A passkey's name is at most ${MAX_PASSKEY_NAME_LENGTH} characters.`,
    })
  return trimmed
}

function defaultPasskeyName(createdAt: Date): string {
  return `Passkey ${createdAt.toISOString().slice(0, 10)}`
}

function viewOf(row: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }): PasskeyView {
  return { id: row.id, name: row.name, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt }
}

function passkeyNotFound(): DomainError {
  return new DomainError({ field: 'id', code: 'NOT_FOUND', message: 'Passkey not found.' })
}

function alreadyRegistered(): DomainError {
  return new DomainError({ field: 'response', code: 'UNIQUE', message: 'This passkey is registered already.' })
}

function transportsOf(stored: string | null): AuthenticatorTransport[] {
  return (stored ?? '')
    .split(',')
    .filter(t => TRANSPORTS.includes(t))
    .map(t => t as AuthenticatorTransport)
}

function sameUserHandle(userHandle: string, userId: string): boolean {
  return Buffer.from(userHandle, 'base64url').toString('utf8') === userId
}

// the challenge a response's clientDataJSON answers, or '' when it cannot be read
function challengeOf(clientDataJSON: string): string {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown }
    return typeof data.challenge === 'string' ? data.challenge : ''
  } catch {
    return ''
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0

// the JSON @simplewebauthn/browser's startRegistration() answers, in the shape the verifier reads
function registrationResponseOf(value: unknown): RegistrationResponseJSON | null {
  if (!isRecord(value) || !isRecord(value.response)) return null
  const { id, rawId, type, response } = value
  if (!isString(id) || !isString(rawId) || type !== 'public-key') return null
  if (!isString(response.clientDataJSON) || !isString(response.attestationObject)) return null
  if (response.transports !== undefined && !Array.isArray(response.transports)) return null
  return value as unknown as RegistrationResponseJSON
}

// the JSON @simplewebauthn/browser's startAuthentication() answers, in the shape the verifier reads
function authenticationResponseOf(value: unknown): AuthenticationResponseJSON | null {
  if (!isRecord(value) || !isRecord(value.response)) return null
  const { id, rawId, type, response } = value
  if (!isString(id) || !isString(rawId) || type !== 'public-key' || id.length > MAX_CREDENTIAL_ID_LENGTH) return null
  if (!isString(response.clientDataJSON) || !isString(response.authenticatorData) || !isString(response.signature))
    return null
  if (response.userHandle !== undefined && response.userHandle !== null && typeof response.userHandle !== 'string')
    return null
  return value as unknown as AuthenticationResponseJSON
}
