// What a new User row stores, derived in one place: the normalised email and its confusable
// skeleton (services/users/userEmail.ts emailColumns), its own token key, the
// staff-confirmed rule, the full name (services/users/names.ts) and every field default of lists/User.ts (its search document is the
// keeper's, services/users/searchDocumentKeeper.ts). The list's
// resolveInput.create and the seed's bulk insert (scripts/seed.ts) both build new users with it, so
// a user written in bulk is the user the list API would have written.
import { newTokenKey } from '../identity'
import { emailColumns } from './userEmail'
import { NO_PROOF } from './emailProof'
import { nameToStore } from './names'

// what Keystone's document field (lists/User.ts `note`) stores when no note is given
export const EMPTY_DOCUMENT = [{ type: 'paragraph', children: [{ text: '' }] }]

/**
 * A new user as a caller gives it: absent (undefined) fields take the list's defaults. `password`
 * is the stored value, already hashed (the list's password field hashes before its hooks run),
 * or null for an account without one. `isConfirmed` left undefined lets the staff rule decide.
 */
export type NewUserInput = {
  email: string
  firstName?: string
  lastName?: string
  name?: string
  password?: string | null
  jwtTokenKey?: string | null
  isActive?: boolean
  isStaff?: boolean
  isSuperuser?: boolean
  isConfirmed?: boolean
  dateJoined?: Date
  lastLogin?: Date | null
  languageCode?: string
  phone?: string
  note?: unknown
  metadata?: Record<string, string>
  privateMetadata?: Record<string, string>
  externalReference?: string | null
  onboardingStatus?: string
  orderWebhookUrl?: string
}

/** Every scalar column of a new User row (relationships and ids aside), named as Prisma names them. */
export type NewUserRow = {
  email: string
  emailSkeleton: string
  firstName: string
  lastName: string
  name: string
  password: string | null
  jwtTokenKey: string
  customerTokenHash: null
  customerTokenIssuedAt: null
  customerTokenLastUsedAt: null
  isActive: boolean
  isStaff: boolean
  isSuperuser: boolean
  isConfirmed: boolean
  emailVerifiedAt: null
  emailVerifiedBy: null
  dateJoined: Date
  updatedAt: Date
  lastLogin: Date | null
  languageCode: string
  phone: string
  note: unknown
  metadata: Record<string, string>
  privateMetadata: Record<string, string>
  externalReference: string | null
  onboardingStatus: string
  orderWebhookUrl: string
}

/** The row a new user is stored as; `now` is the default dateJoined. */
export function newUserRow(input: NewUserInput, now: Date = new Date()): NewUserRow {
  const isStaff = input.isStaff ?? false
  const dateJoined = input.dateJoined ?? now
  return {
    ...emailColumns(input.email),
    firstName: input.firstName ?? '',
    lastName: input.lastName ?? '',
    // the name given, or first and last joined (services/users/names.ts nameToStore)
    name: nameToStore(null, input) ?? '',
    password: input.password ?? null,
    // every account gets its own token key from birth; rotating it revokes all its tokens
    jwtTokenKey: input.jwtTokenKey || newTokenKey(),
    customerTokenHash: null,
    customerTokenIssuedAt: null,
    customerTokenLastUsedAt: null,
    isActive: input.isActive ?? true,
    isStaff,
    isSuperuser: input.isSuperuser ?? false,
    // staff creating a staff account vouch for it (they chose its email and password), unless they say otherwise
    isConfirmed: input.isConfirmed ?? isStaff,
    // no new user has proven its mailbox: only a redeemed link does that, later (services/users/emailProof.ts)
    ...NO_PROOF,
    dateJoined,
    // Prisma's @updatedAt: a new row was last written when it was created
    updatedAt: dateJoined,
    lastLogin: input.lastLogin ?? null,
    languageCode: input.languageCode ?? 'en',
    phone: input.phone ?? '',
    note: input.note ?? EMPTY_DOCUMENT,
    metadata: input.metadata ?? {},
    privateMetadata: input.privateMetadata ?? {},
    externalReference: input.externalReference ?? null,
    onboardingStatus: input.onboardingStatus ?? 'not_started',
    orderWebhookUrl: input.orderWebhookUrl ?? '',
  }
}
