// What a data export may hold, as an allow-list: every column of User, and every list that refers
// to a user, is named here, either exported (to whom) or left out with the reason. The export's
// Prisma select is built from this plan alone (dataExport.ts), so a column not named here is never
// read; tests/unit/services/accounts/dataExportPlan.test.ts walks Prisma's data model and fails for
// a column of User or a list pointing at User that this plan does not place.
//
// Audiences: 'self' columns go in both exports; 'staff' columns only in customerDataExport, the
// copy the shop hands over on a formal request: the shop's own working notes about the customer
// (note, privateMetadata) are personal data the shop holds, but the shop decides how it answers
// with them, and the storefront never showed them to the customer.

export type ExportAudience = 'self' | 'staff'

/** A column: exported to an audience, or excluded with the reason. */
export type ColumnPlan = ExportAudience | { excluded: string }

/** A relation of User: exported under `as` with these columns of its model, or excluded with the reason. */
export type RelationPlan = { as: string; model: string; columns: Record<string, ColumnPlan> } | { excluded: string }

const SECRET = { excluded: 'a secret (hash, key or sealed value): never exported' }
const OWNER = { excluded: 'the exported user itself' }
const BOOKKEEPING = { excluded: "the server's delivery bookkeeping, nothing about the person" }

export const USER_COLUMNS: Record<string, ColumnPlan> = {
  id: 'self',
  jwtTokenKey: SECRET,
  customerTokenHash: SECRET,
  emailSkeleton: { excluded: 'a look-alike key derived from the email, which is exported' },
  totpSecret: SECRET,
  totpPendingSecret: SECRET,
  totpEnabledAt: 'self',
  totpLastStep: { excluded: 'the replay guard of the last code accepted, no fact about the person' },
  email: 'self',
  firstName: 'self',
  lastName: 'self',
  name: 'self',
  phone: 'self',
  languageCode: 'self',
  isActive: 'self',
  isConfirmed: 'self',
  emailVerifiedAt: 'self',
  emailVerifiedBy: 'self',
  isStaff: 'self',
  isSuperuser: 'self',
  password: SECRET,
  customerTokenIssuedAt: 'self',
  customerTokenLastUsedAt: 'self',
  dateJoined: 'self',
  lastLogin: 'self',
  updatedAt: 'self',
  defaultShippingAddressId: 'self',
  defaultBillingAddressId: 'self',
  note: 'staff',
  metadata: 'self',
  privateMetadata: 'staff',
  externalReference: 'self',
  onboardingStatus: 'self',
  orderWebhookUrl: 'self',
  searchDocument: { excluded: 'a lower-cased copy of the exported email, names, phone and addresses' },
}

export const USER_RELATIONS: Record<string, RelationPlan> = {
  addresses: {
    as: 'addresses',
    model: 'Address',
    columns: {
      id: 'self',
      userId: OWNER,
      firstName: 'self',
      lastName: 'self',
      companyName: 'self',
      streetAddress1: 'self',
      streetAddress2: 'self',
      city: 'self',
      cityArea: 'self',
      postalCode: 'self',
      country: 'self',
      countryArea: 'self',
      phone: 'self',
      metadata: 'self',
    },
  },
  defaultShippingAddress: { excluded: 'one of the addresses, named by defaultShippingAddressId' },
  defaultBillingAddress: { excluded: 'one of the addresses, named by defaultBillingAddressId' },
  customerGroups: {
    as: 'customerGroups',
    model: 'CustomerGroup',
    columns: {
      id: 'self',
      name: 'self',
      description: 'self',
      metadata: { excluded: "the group's own data, not the person's" },
    },
  },
  permissionGroups: {
    as: 'permissionGroups',
    model: 'PermissionGroup',
    columns: {
      id: 'self',
      name: 'self',
      permissions: 'self',
      restrictedAccessToChannels: 'self',
    },
  },
  events: {
    as: 'events',
    model: 'AccountEvent',
    columns: {
      id: 'self',
      type: 'self',
      date: 'self',
      userId: OWNER,
      // the actor's id; its email only in the staff export (dataExport.ts)
      actorId: 'self',
      // with every secret-named key dropped (dataExport.ts)
      parameters: 'self',
    },
  },
  from_AccountEvent_actor: {
    excluded: "events about other people that this user caused (a staff member's work): their history, not this one's",
  },
  from_OutboxMail_user: {
    as: 'mails',
    model: 'OutboxMail',
    columns: {
      id: 'self',
      to: 'self',
      subject: 'self',
      template: 'self',
      params: { excluded: "the mail's body values and link: never exported" },
      sealedSecrets: SECRET,
      userId: OWNER,
      status: 'self',
      attempts: BOOKKEEPING,
      nextAttemptAt: BOOKKEEPING,
      lockedUntil: BOOKKEEPING,
      lastError: BOOKKEEPING,
      messageId: BOOKKEEPING,
      createdAt: 'self',
      sentAt: 'self',
    },
  },
  from_OneTimeToken_user: {
    as: 'mailedLinks',
    model: 'OneTimeToken',
    columns: {
      id: 'self',
      tokenHash: SECRET,
      purpose: 'self',
      userId: OWNER,
      payload: { excluded: 'where the link was sent: the mails already say' },
      createdAt: 'self',
      expiresAt: 'self',
      usedAt: 'self',
    },
  },
  from_AuthSession_user: {
    as: 'sessions',
    model: 'AuthSession',
    columns: {
      id: 'self',
      userId: OWNER,
      kind: 'self',
      tokenKey: SECRET,
      amr: 'self',
      ip: 'self',
      userAgent: 'self',
      createdAt: 'self',
      lastUsedAt: 'self',
      expiresAt: 'self',
      endedAt: 'self',
      refreshGeneration: BOOKKEEPING,
      rotatedAt: BOOKKEEPING,
      // the staff member who opened an impersonation session
      actorId: 'self',
      // the staff member's own session it acted from: the staff member's, not this user's
      actorSessionId: { excluded: "the id of a staff member's own session" },
      // the user's own passkey that began it (the id `me { passkeys }` shows)
      passkeyId: 'self',
    },
  },
  from_AuthChallenge_user: {
    as: 'signInChallenges',
    model: 'AuthChallenge',
    columns: {
      id: 'self',
      challengeHash: SECRET,
      purpose: 'self',
      userId: OWNER,
      payload: { excluded: "a sign-in step's state (sealed or internal): never exported" },
      failures: 'self',
      createdAt: 'self',
      expiresAt: 'self',
      usedAt: 'self',
    },
  },
  from_RecoveryCode_user: {
    as: 'recoveryCodes',
    model: 'RecoveryCode',
    columns: { id: 'self', userId: OWNER, codeHash: SECRET, createdAt: 'self', usedAt: 'self' },
  },
  from_ExternalAccount_user: {
    as: 'externalAccounts',
    model: 'ExternalAccount',
    columns: {
      id: 'self',
      userId: OWNER,
      provider: 'self',
      subject: 'self',
      identity: { excluded: 'provider and subject again, as one unique key' },
      createdAt: 'self',
      lastSignInAt: 'self',
    },
  },
  from_PasskeyCredential_user: {
    as: 'passkeys',
    model: 'PasskeyCredential',
    columns: {
      id: 'self',
      userId: OWNER,
      credentialId: { excluded: "the authenticator's handle of the key, kept to find it at sign-in" },
      publicKey: SECRET,
      counter: { excluded: "the authenticator's signature counter, a replay guard" },
      transports: 'self',
      name: 'self',
      backedUp: 'self',
      createdAt: 'self',
      lastUsedAt: 'self',
    },
  },
}

/** Whether a column planned so goes in an export for this audience. */
export function exportsTo(plan: ColumnPlan | undefined, audience: ExportAudience): boolean {
  return plan === 'self' || (plan === 'staff' && audience === 'staff')
}

/** The Prisma `select` of the columns an audience receives. */
export function selectFor(columns: Record<string, ColumnPlan>, audience: ExportAudience): Record<string, true> {
  const select: Record<string, true> = {}
  for (const [column, plan] of Object.entries(columns)) if (exportsTo(plan, audience)) select[column] = true
  return select
}
