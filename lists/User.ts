// The User list: customers and staff in one list (isStaff), as in Saleor.
import { group, list } from '@keystone-6/core'
import { gWithContext } from '@keystone-6/core'
import {
  checkbox,
  integer,
  json,
  relationship,
  select,
  text,
  timestamp,
  password,
  virtual,
} from '@keystone-6/core/fields'
import { document } from '@keystone-6/fields-document'
import type { Context, Lists } from '../generated/keystone/types'
import type { BaseListTypeInfo, FieldTypeFunc } from '@keystone-6/core/types'
import { canManageUsersOrStaff, isSignedIn, deny } from '../access/permissions'
import { deletableUsers, readableUsers, updatableUsers } from '../access/rules'
import {
  isSelfOrManager,
  managerWritable,
  managesOtherUser,
  managesUser,
  notImpersonating,
  secret,
  staffOnly,
  system,
} from '../access/fields'
import { canManageStaff, canManageUsers, isSuperuser } from '../access/permissions'
import { isAddressOfUser } from '../services/addresses'
import { isValidEmail, normalizeEmail } from '../services/kernel'
import { metadataField } from './metadataField'
import { passwordKdf } from '../services/identity'
import { passwordProblems } from '../services/identity'
import { ONBOARDING_STATUSES } from '../services/accounts'
import { parsePhone } from '../services/addresses'
import { languageCodeProblems, nameProblems, nameToStore, type NameField, type UserNames } from '../services/users'
import { assertSafeWebhookUrl } from '../services/messaging'
import { reportDomainErrors, reportFieldErrors } from './hooks/domainErrors'
import { effectiveChannels, effectivePermissions, loadPermissionGroupsOf } from '../services/identity'
import { isTrusted } from '../services/kernel'
import { validateUserChange } from './scopeHooks'
import { afterUserChange, beforeUserRemoval, type UserRow } from '../services/users'
import { USER_FIELDS, newUserRow, type NewUserInput } from '../services/users'
import { assertEmailFree, emailColumns } from '../services/users'
import { PermissionEnum } from './permissionEnum'
import { EMAIL_PROOFS, proofChanges } from '../services/users'
import { userActions } from './userActions'
import { actorIdOf, type Session } from '../services/identity'
import { withCostlyWork } from './costlyWork'
import { sessionsField } from './sessionsField'
import { secondFactorFields } from './secondFactorFields'
import { totpFields } from './totpFields'
import { passkeyFields } from './passkeysField'
import { impersonationFields } from './impersonationFields'
import { externalAccountsFields } from './externalAccountsField'
import { isPromotion, promotionChanges } from '../services/users'

// the GraphQL builder for the virtual fields (a list must not import mutations/)
const g = gWithContext<Context>()

// computed from other rows: shown on the user's page, never a form input
const computed = { createView: { fieldMode: 'hidden' as const }, itemView: { fieldMode: 'read' as const } }

// the Admin UI's own field views (admin/views/): values to read as text, dates as dates, lists as
// lists, and the status flags as badges
const VIEWS = {
  date: './admin/views/date',
  yesNo: './admin/views/yesNo',
  valueList: './admin/views/valueList',
  status: './admin/views/userStatus',
  choice: './admin/views/choiceText',
  email: './admin/views/email',
} as const

// how a proof of the mailbox reads (services/users/emailProof.ts)
const PROOF_LABELS: Record<(typeof EMAIL_PROOFS)[number], string> = {
  ACCOUNT_CONFIRMATION: 'Confirmation link',
  PASSWORD_RESET: 'Password reset link',
  EMAIL_CHANGE: 'Email change link',
  OPERATOR_SEED: 'Set by the operator (seed)',
  EXTERNAL_PROVIDER: 'Verified by a sign-in provider',
}

// in the sidebar of the user's page, beside every group: what a support agent reads first
const sidebar = { fieldPosition: 'sidebar' as const }

// a flag in the sidebar, offered for editing only to whoever its update rule lets change it
// (Keystone shows a field as editable unless told, whatever its access says)
function statusFlag(
  label: string,
  mayUpdate: (args: { session?: Session; item?: Record<string, unknown> }) => boolean,
) {
  return {
    label,
    views: VIEWS.status,
    itemView: {
      ...sidebar,
      fieldMode: ({ session, item }: { session?: Session; item: Record<string, unknown> | null }) =>
        mayUpdate({ session, item: item ?? undefined }) ? ('edit' as const) : ('read' as const),
    },
  }
}

// a timestamp the system keeps, shown as a date to read
function systemDate(label: string, itemView: { fieldPosition?: 'sidebar' } = {}) {
  return { ...system, ui: { ...system.ui, label, views: VIEWS.date, itemView: { ...system.ui.itemView, ...itemView } } }
}

// a relationship input that sets a default address names it by id; a disconnect clears it
function connectedId(input: unknown): string | null | undefined {
  if (input === undefined) return undefined
  if (input === null || typeof input !== 'object') return null
  const connect = (input as { connect?: { id?: unknown } }).connect
  return connect && typeof connect.id === 'string' ? connect.id : null
}

// the same password policy as the self-service flows, for a password staff set through the
// generated API or the Admin UI (the plain value is only in inputData: resolvedData holds the hash)
function reportPasswordProblems(
  password: unknown,
  user: Record<string, unknown>,
  addValidationError: (message: string) => void,
): void {
  if (typeof password !== 'string') return
  const owner = {
    email: user.email as string | undefined,
    firstName: user.firstName as string | undefined,
    lastName: user.lastName as string | undefined,
    name: user.name as string | undefined,
  }
  reportFieldErrors(addValidationError, passwordProblems(password, owner), 'code')
}

// a name's length is the users module's one rule (services/users/names.ts), on every path
function nameField<ListTypeInfo extends BaseListTypeInfo>(
  field: NameField,
  ui?: { label: string; description: string },
): FieldTypeFunc<ListTypeInfo> {
  return text<ListTypeInfo>({
    ui,
    hooks: {
      validate: ({ resolvedData, addValidationError }) =>
        reportFieldErrors(addValidationError, nameProblems({ [field]: resolvedData?.[field] }), { prefix: '' }),
    },
  })
}

// the generated API and the Admin UI: an email another user has, or one that looks like it, is
// taken (UNIQUE), as on the custom mutations; a module's trusted write has checked it itself, and
// a simultaneous twin meets the unique indexes on email and emailSkeleton
async function reportTakenEmail(
  context: Context,
  email: unknown,
  item: { id: string | number; email: string } | null,
  addValidationError: (message: string) => void,
): Promise<void> {
  if (isTrusted(context) || typeof email !== 'string' || !isValidEmail(email) || email === item?.email) return
  const exceptUserId = item ? String(item.id) : undefined
  await reportDomainErrors(addValidationError, () => assertEmailFree(context, email, { exceptUserId }), 'code')
}

export const User: Lists.User = list({
  access: {
    operation: {
      query: () => true,
      create: canManageUsersOrStaff,
      update: isSignedIn,
      delete: canManageUsersOrStaff,
    },
    filter: {
      query: readableUsers,
      update: updatableUsers,
      delete: deletableUsers,
    },
  },
  ui: {
    hideNavigation: args => !canManageUsersOrStaff(args),
    labelField: 'email',
    // the Admin UI's search box looks in the user's own fields of the search document
    searchFields: [...USER_FIELDS],
    listView: {
      // Keystone shares the table's width evenly among its columns; short flag and date cells leave
      // the email and the name whole at 1280 px (tests/flows/adminUi/supportAgentPage.test.ts)
      initialColumns: ['email', 'name', 'isConfirmed', 'isStaff', 'dateJoined'],
      initialSort: { field: 'dateJoined', direction: 'DESC' },
    },
  },
  // send password reset, resend confirmation, sign out everywhere, (de)activate (lists/userActions.ts)
  actions: userActions,
  hooks: {
    resolveInput: {
      // every stored default of a new user, as the seed writes it too (services/users/newUser.ts);
      // isConfirmed from inputData: resolvedData already holds the checkbox's default
      create: ({ resolvedData, inputData }) =>
        ({
          ...resolvedData,
          ...newUserRow({ ...resolvedData, isConfirmed: inputData.isConfirmed ?? undefined } as NewUserInput),
        }) as typeof resolvedData,
      // a promotion to staff ends the customer's credentials, on every path
      // (services/users/promotion.ts), and keeps its password only if the mailbox was proven and
      // the email stays the one proven
      update: async ({ resolvedData, item }) => {
        // no write through the list sets a mailbox proof, and a new email drops it (services/users/emailProof.ts)
        const proof = proofChanges(item, resolvedData)
        const promotion = isPromotion(item, resolvedData) ? promotionChanges(item, { ...resolvedData, ...proof }) : {}
        // a new email brings its skeleton, as a new user's does (services/users/userEmail.ts)
        const email = typeof resolvedData.email === 'string' ? emailColumns(resolvedData.email) : {}
        // the full name follows first and last unless the user gave one (services/users/names.ts)
        const name = nameToStore(item as UserNames, resolvedData as Partial<UserNames>)
        return {
          ...resolvedData,
          ...(name === undefined ? {} : { name }),
          ...email,
          ...proof,
          ...promotion,
        }
      },
    },
    // the generated API and the Admin UI: what follows a change is services/users/afterUserChange.ts,
    // as on every other path (a module's trusted write runs it itself)
    afterOperation: {
      create: async ({ item, context }) => {
        if (isTrusted(context)) return
        await afterUserChange(context, {
          before: null,
          after: item as UserRow,
          actorId: actorIdOf(context.session as Session | undefined),
        })
      },
      update: async ({ originalItem, item, context }) => {
        if (isTrusted(context) || !originalItem || !item) return
        const actorId = actorIdOf(context.session as Session | undefined)
        await afterUserChange(context, {
          before: originalItem as UserRow,
          after: item as UserRow,
          actorId,
        })
      },
    },
    // the generated deleteUser removes what customerDelete / staffDelete remove, and says so
    beforeOperation: {
      delete: async ({ item, context }) => {
        if (isTrusted(context)) return
        await beforeUserRemoval(context, item, { actorId: actorIdOf(context.session as Session | undefined) })
      },
    },
    validate: {
      delete: async ({ item, context, addValidationError }) =>
        validateUserChange({ operation: 'delete', item, context, addValidationError }),
      create: async ({ resolvedData, inputData, context, addValidationError }) => {
        reportPasswordProblems(inputData.password, resolvedData, addValidationError)
        await reportTakenEmail(context, resolvedData.email, null, addValidationError)
        if (resolvedData.defaultShippingAddress || resolvedData.defaultBillingAddress) {
          addValidationError('A new user has no addresses to make default yet.')
        }
        // who may create which kind of user, with which groups (skipped only on the trusted path)
        await validateUserChange({ operation: 'create', resolvedData, context, addValidationError })
      },
      update: async ({ resolvedData, inputData, item, context, addValidationError }) => {
        reportPasswordProblems(inputData.password, { ...item, ...resolvedData }, addValidationError)
        await reportTakenEmail(context, resolvedData.email, item, addValidationError)
        await validateUserChange({ operation: 'update', item, resolvedData, context, addValidationError })
        for (const key of ['defaultShippingAddress', 'defaultBillingAddress'] as const) {
          const addressId = connectedId(resolvedData[key])
          if (addressId && !(await isAddressOfUser(context, addressId, String(item.id)))) {
            addValidationError(`${key} must be one of the user's own addresses.`)
          }
        }
      },
    },
  },
  fields: {
    // secrets outside every group: a group may name only fields the Admin UI knows, and these are
    // in no schema at all
    jwtTokenKey: text({ ...secret, db: { isNullable: true } }),
    // the customer API token (regenerateCustomerToken): only its SHA-256, looked up by index
    customerTokenHash: text({ ...secret, isIndexed: 'unique', db: { isNullable: true } }),
    // the email's confusable skeleton (Unicode TR 39): two addresses that look alike are one account
    emailSkeleton: text({ ...secret, isIndexed: 'unique', db: { isNullable: true } }),
    // TOTP (services/identity/totp.ts): the enabled secret and a setup's pending one, sealed; when
    // it was enabled; and the last 30-second step a code was accepted for, so a code counts once
    totpSecret: text({ ...secret, db: { isNullable: true } }),
    totpPendingSecret: text({ ...secret, db: { isNullable: true } }),
    totpEnabledAt: timestamp({ ...secret }),
    totpLastStep: integer({ ...secret, defaultValue: 0, validation: { isRequired: true } }),
    ...group({
      label: 'Profile',
      description: 'Who the user is',
      fields: {
        email: text({
          isIndexed: 'unique',
          validation: { isRequired: true },
          // whole in the users list, on two lines where its column is narrow
          ui: { views: VIEWS.email },
          access: {
            // a customer's own email changes only through the verified requestEmailChange flow
            update: managesUser,
          },
          hooks: {
            resolveInput: ({ resolvedData }) =>
              typeof resolvedData?.email === 'string' ? normalizeEmail(resolvedData.email) : resolvedData?.email,
            validate: ({ resolvedData, addValidationError }) => {
              if (typeof resolvedData?.email === 'string' && !isValidEmail(resolvedData.email))
                addValidationError('email is not a valid email address')
            },
          },
        }),
        firstName: nameField('firstName'),
        lastName: nameField('lastName'),
        // the full name (services/users/names.ts nameToStore): given, or first and last joined
        name: nameField('name', {
          label: 'Full name',
          description:
            'The name the user gave, or the first and last name joined. Empty it to use the joined name again.',
        }),
        phone: text({
          validation: { length: { max: 32 } },
          hooks: {
            // the one phone rule (services/addresses/phone.ts), as the profile mutations and the
            // address book apply it, on the generated API and in the Admin UI; stored in E.164
            resolveInput: ({ resolvedData }) => {
              const phone = resolvedData?.phone
              if (typeof phone !== 'string') return phone
              const outcome = parsePhone(phone)
              return outcome.ok ? outcome.e164 : phone
            },
            validate: ({ resolvedData, addValidationError }) => {
              if (typeof resolvedData?.phone !== 'string') return
              const outcome = parsePhone(resolvedData.phone)
              if (!outcome.ok) addValidationError(`phone: ${outcome.message}`)
            },
          },
        }),
        languageCode: text({
          defaultValue: 'en',
          hooks: {
            // the profile's rule (services/users/languageCode.ts), for staff and the generated API too
            validate: ({ resolvedData, addValidationError }) => {
              const code = resolvedData?.languageCode
              if (typeof code === 'string')
                reportFieldErrors(addValidationError, languageCodeProblems(code), { prefix: '' })
            },
          },
        }),
      },
    }),
    // the sidebar of the user's page: its status as badges, then its dates (admin/views/)
    ...group({
      label: 'Status',
      fields: {
        isActive: checkbox({
          defaultValue: true,
          access: { create: canManageUsersOrStaff, update: managesOtherUser },
          ui: statusFlag('Active', managesOtherUser),
        }),
        isConfirmed: checkbox({
          defaultValue: false,
          ...managerWritable,
          ui: statusFlag('Confirmed', managesUser),
        }),
        // proof of the mailbox, a fact of its own: set only when a link mailed to this address is
        // redeemed, cleared when the email changes; isConfirmed set by staff or the configuration is not proof
        emailVerifiedAt: timestamp({
          ...systemDate('Mailbox proven', sidebar),
          access: { ...system.access, read: isSelfOrManager },
          db: { isNullable: true },
        }),
        emailVerifiedBy: select({
          type: 'string',
          options: EMAIL_PROOFS.map(value => ({ value, label: PROOF_LABELS[value] })),
          db: { isNullable: true },
          ...system,
          ui: {
            ...system.ui,
            label: 'Proven by',
            views: VIEWS.choice,
            itemView: { ...system.ui.itemView, ...sidebar },
          },
          access: { ...system.access, read: isSelfOrManager },
        }),
        isStaff: checkbox({
          defaultValue: false,
          access: { create: canManageStaff, update: canManageStaff },
          ui: statusFlag('Staff', canManageStaff),
        }),
        isSuperuser: checkbox({
          defaultValue: false,
          access: { create: isSuperuser, update: isSuperuser },
          ui: statusFlag('Superuser', isSuperuser),
        }),
      },
    }),
    ...group({
      label: 'Sign-in and security',
      description: 'How the user signs in',
      fields: {
        hasAccount: virtual({
          access: { read: isSelfOrManager },
          ui: { ...computed, label: 'Has a password', views: VIEWS.yesNo },
          field: g.field({
            type: g.nonNull(g.Boolean),
            resolve: item => typeof item.password === 'string' && item.password.length > 0,
          }),
        }),
        hasCustomerToken: virtual({
          access: { read: isSelfOrManager },
          ui: { ...computed, label: 'Has a customer API token', views: VIEWS.yesNo },
          field: g.field({ type: g.nonNull(g.Boolean), resolve: item => typeof item.customerTokenHash === 'string' }),
        }),
        // hashed wherever it is set: one per request (lists/costlyWork.ts), in createUser(s), updateUser(s)
        // and a user created inside another list's nested create; its lengths are the password
        // policy's (reportPasswordProblems), counted in characters
        password: withCostlyWork(
          password({
            kdf: passwordKdf,
            access: {
              // WARNING: never readable, not even as isSet through another user's eyes
              read: deny,
              // self-service password changes re-check the old password (passwordChange)
              update: managesOtherUser,
            },
            ui: { itemView: { fieldMode: 'hidden' }, listView: { fieldMode: 'hidden' } },
          }),
          'password',
        ),
        customerTokenIssuedAt: timestamp({
          ...systemDate('Customer API token issued'),
          access: { ...system.access, read: isSelfOrManager },
          db: { isNullable: true },
        }),
        customerTokenLastUsedAt: timestamp({
          ...systemDate('Customer API token last used'),
          access: { ...system.access, read: isSelfOrManager },
          db: { isNullable: true },
        }),
        // where the user is signed in now, each session with "Sign out this session"
        sessions: sessionsField,
        // whether a second factor is on, and on one's own page the Security area (lists/secondFactorFields.ts)
        ...secondFactorFields,
        // two-step sign-in with an authenticator app: on or off, recovery codes left
        ...totpFields,
        ...passkeyFields,
        // impersonation: me.impersonatedBy, and the Admin UI's "View storefront as this customer"
        ...impersonationFields,
        // identities at OpenID Connect providers (lists/externalAccountsField.ts)
        ...externalAccountsFields,
      },
    }),
    ...group({
      label: 'Dates',
      fields: {
        // indexed: customers lists newest first, and a search can stop at the first page it fills
        dateJoined: timestamp({ defaultValue: { kind: 'now' }, isIndexed: true, ...systemDate('Joined', sidebar) }),
        lastLogin: timestamp({ ...systemDate('Last sign-in', sidebar) }),
        updatedAt: timestamp({ db: { updatedAt: true }, ...systemDate('Last changed', sidebar) }),
      },
    }),
    ...group({
      label: 'Addresses and defaults',
      fields: {
        addresses: relationship({
          ref: 'Address.user',
          many: true,
          // written from the Address side only, which pins the owner, validates and counts
          access: { create: deny, update: deny },
          ui: {
            displayMode: 'table',
            // each address as one readable line (lists/Address.ts label): a column of its own
            // keeps it whole beside the sidebar at 1280 px
            columns: ['label'],
            itemView: { fieldMode: 'read' },
          },
        }),
        defaultShippingAddress: relationship({ ref: 'Address' }),
        defaultBillingAddress: relationship({ ref: 'Address' }),
      },
    }),
    ...group({
      label: 'Groups and permissions',
      description: 'Customer groups, and what a staff user may do and where',
      fields: {
        customerGroups: relationship({
          ref: 'CustomerGroup.users',
          many: true,
          access: { create: canManageUsers, update: managesUser },
        }),
        permissionGroups: relationship({
          ref: 'PermissionGroup.users',
          many: true,
          access: { read: isSelfOrManager, create: canManageStaff, update: canManageStaff },
        }),
        userPermissions: virtual({
          access: { read: isSelfOrManager },
          ui: { ...computed, label: 'Permissions', views: VIEWS.valueList },
          field: g.field({
            type: g.nonNull(g.list(g.nonNull(PermissionEnum))),
            async resolve(item, _args, context) {
              if (!item.isStaff || !item.isActive) return []
              // one's own: what this session holds (STAFF_MFA_REQUIRED may hold them back: sessionDataOf)
              const session = context.session as Session | undefined
              if (session?.itemId === item.id) return session.data.userPermissions
              return effectivePermissions({ ...item, permissionGroups: await loadPermissionGroupsOf(context, item.id) })
            },
          }),
        }),
        restrictedAccessToChannels: virtual({
          access: { read: isSelfOrManager },
          ui: { ...computed, label: 'Limited to some channels', views: VIEWS.yesNo },
          field: g.field({
            type: g.nonNull(g.Boolean),
            async resolve(item, _args, context) {
              if (!item.isStaff) return false
              return effectiveChannels(item, await loadPermissionGroupsOf(context, item.id)) !== 'ALL'
            },
          }),
        }),
        accessibleChannels: virtual({
          access: { read: isSelfOrManager },
          field: lists =>
            g.field({
              type: g.nonNull(g.list(g.nonNull(lists.Channel.types.output))),
              async resolve(item, _args, context) {
                if (!item.isStaff || !item.isActive) return []
                const channels = effectiveChannels(item, await loadPermissionGroupsOf(context, item.id))
                // the caller may read this user; the channels it reaches come with it
                const sudo = context.sudo()
                if (channels === 'ALL') return sudo.db.Channel.findMany({ orderBy: { slug: 'asc' } })
                return sudo.db.Channel.findMany({ where: { id: { in: [...channels] } }, orderBy: { slug: 'asc' } })
              },
            }),
          ui: { ...computed, label: 'Channels', views: VIEWS.valueList, query: '{ name slug }' },
        }),
      },
    }),
    ...group({
      label: 'Staff note',
      description: 'What staff want other staff to know about this user; the user never sees it',
      fields: {
        note: document({ formatting: true, links: true, ...staffOnly, ui: { label: 'Note' } }),
      },
    }),
    ...group({
      label: 'Integrations',
      description: "Data kept for apps and other systems: key-value metadata and this user's id elsewhere",
      fields: {
        metadata: metadataField({ ui: { description: 'Readable by the user and by apps' } }),
        privateMetadata: metadataField({ ...staffOnly, ui: { description: 'Readable by staff and apps only' } }),
        externalReference: text({
          isIndexed: 'unique',
          db: { isNullable: true },
          validation: { isRequired: false },
          ...managerWritable,
          ui: { description: "This user's id in another system (an ERP, a former shop), unique" },
        }),
      },
    }),
    ...group({
      label: 'Storefront settings',
      description: "Set by the user in the storefront (Openfront's updateActiveUser)",
      fields: {
        onboardingStatus: select({
          type: 'string',
          options: [...ONBOARDING_STATUSES],
          defaultValue: 'not_started',
          validation: { isRequired: true },
        }),
        orderWebhookUrl: text({
          // where the customer's order events go, long after an impersonation ends: never set in one
          access: { update: notImpersonating },
          validation: { length: { max: 2048 } },
          ui: { label: 'Order webhook URL', description: "Where the user's storefront is sent its order events" },
          hooks: {
            validate: async ({ resolvedData, addValidationError }) => {
              const url = resolvedData?.orderWebhookUrl
              if (typeof url !== 'string' || !url) return
              return reportDomainErrors(addValidationError, () => assertSafeWebhookUrl(url, 'orderWebhookUrl'), {
                prefix: 'orderWebhookUrl',
              })
            },
          },
        }),
      },
    }),
    ...group({
      label: 'History',
      fields: {
        events: relationship({
          ref: 'AccountEvent.user',
          many: true,
          access: { read: managesUser, create: deny, update: deny },
          // the account history on the user's page, newest first
          ui: {
            displayMode: 'table',
            columns: ['date', 'type', 'actor', 'parameters'],
            initialSort: { field: 'date', direction: 'DESC' },
            createView: { fieldMode: 'hidden' },
            itemView: { fieldMode: 'read' },
          },
        }),
      },
    }),
    // what customers(search) scans; kept by services/users/searchDocumentKeeper.ts, never written through the API
    searchDocument: text({
      ui: { createView: { fieldMode: 'hidden' }, itemView: { fieldMode: 'hidden' }, listView: { fieldMode: 'hidden' } },
      graphql: { omit: { create: true, update: true } },
      // a session-level rule, not a per-item one: Keystone decides whether a filter is allowed
      // before it has items, and the text holds nothing these staff cannot read anyway
      access: { read: canManageUsersOrStaff },
    }),
  },
})
