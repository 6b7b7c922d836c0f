// Test data, made through the Keystone db API with sudo (list hooks run, access does not):
// customers, staff with given permissions, groups, channels and addresses. Users and permission
// groups are written on the trusted path, as a module that judged the change would: a plain sudo
// write is judged by the staff scope rules like any other.
import { randomBytes } from 'node:crypto'
import type { Context } from '../../generated/keystone/types'
import type { Permission } from '../../services/identity/permissionCodes'
import { trusted } from '../../services/kernel'

export const PASSWORD = 'correct horse battery staple'

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

export async function makeCustomer(context: Context, data: Record<string, unknown> = {}) {
  return trusted(context, null).db.User.createOne({
    data: {
      email: `${unique('customer')}@example.com`,
      firstName: 'Casey',
      lastName: 'Customer',
      password: PASSWORD,
      isConfirmed: true,
      ...data,
    },
  })
}

/**
 * Record that the user proved its mailbox, as redeeming a mailed link would have (confirmAccount,
 * setPassword, confirmEmailChange): a fixture for tests about what a proven mailbox allows.
 */
export async function proveMailbox(
  context: Context,
  userId: string,
  by: 'ACCOUNT_CONFIRMATION' | 'PASSWORD_RESET' | 'EMAIL_CHANGE' = 'ACCOUNT_CONFIRMATION',
) {
  return context.prisma.user.update({
    where: { id: userId },
    data: { emailVerifiedAt: new Date(), emailVerifiedBy: by },
  })
}

export async function makePermissionGroup(
  context: Context,
  permissions: Permission[],
  data: Record<string, unknown> = {},
) {
  return trusted(context, null).db.PermissionGroup.createOne({ data: { name: unique('group'), permissions, ...data } })
}

export async function makeStaff(context: Context, permissions: Permission[], data: Record<string, unknown> = {}) {
  const user = await trusted(context, null).db.User.createOne({
    data: {
      email: `${unique('staff')}@example.com`,
      firstName: 'Sam',
      lastName: 'Staff',
      password: PASSWORD,
      isStaff: true,
      isConfirmed: true,
      ...data,
    },
  })
  if (permissions.length > 0) await makePermissionGroup(context, permissions, { users: { connect: [{ id: user.id }] } })
  return user
}

export async function makeSuperuser(context: Context) {
  return makeStaff(context, [], { isSuperuser: true })
}

export async function makeAddress(context: Context, userId: string, data: Record<string, unknown> = {}) {
  return context.sudo().db.Address.createOne({
    data: {
      user: { connect: { id: userId } },
      firstName: 'Casey',
      lastName: 'Customer',
      streetAddress1: '1 Main St',
      city: 'Springfield',
      postalCode: '62701',
      countryArea: 'IL',
      country: 'US',
      ...data,
    },
  })
}

export async function makeCustomerGroup(context: Context, data: Record<string, unknown> = {}) {
  return context
    .sudo()
    .db.CustomerGroup.createOne({ data: { name: unique('customers'), description: 'internal segment notes', ...data } })
}

export async function makeChannel(context: Context, data: Record<string, unknown> = {}) {
  const slug = unique('channel')
  return context.sudo().db.Channel.createOne({ data: { name: slug, slug, defaultCountry: 'US', ...data } })
}

// a webhook as a module that judged its events would write it: a plain sudo write holds no permission
export async function makeWebhook(
  context: Context,
  data: { targetUrl: string; events: string[]; name?: string; secret?: string; isActive?: boolean },
) {
  return trusted(context, null).db.Webhook.createOne({
    data: { name: unique('hook'), secret: `whsec_${randomBytes(18).toString('base64url')}`, ...data },
  })
}
