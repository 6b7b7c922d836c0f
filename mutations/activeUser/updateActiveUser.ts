// updateActiveUser (Openfront): the signed-in user edits its name, phone, onboarding status and
// order webhook URL; email changes go through requestEmailChange, never here.
// Access: a signed-in user (a customer API token too; the order webhook URL not in an impersonation,
// IMPERSONATION_FORBIDDEN). Effects: NAME_ASSIGNED on a name change,
// CUSTOMER_UPDATED (and CUSTOMER_METADATA_UPDATED) webhooks, as on every path
// (services/users/afterUserChange.ts). Twin: accountUpdate.
import type { BaseSchemaMeta } from '@keystone-6/core/graphql-ts'
import { g, type ArgsOf } from '../shared/g'
import { withThrownErrors } from '../shared/errors'
import { refuseImpersonation, requireUser } from '../shared/guards'
import { updateProfile } from '../../services/accounts'
import { actorIdOf, type Session } from '../../services/identity'

const UserUpdateProfileInput = g.inputObject({
  name: 'UserUpdateProfileInput',
  fields: {
    name: g.arg({ type: g.String }),
    phone: g.arg({ type: g.String, description: 'International form; stored in E.164.' }),
    onboardingStatus: g.arg({ type: g.String, description: 'not_started, in_progress, completed or dismissed.' }),
    orderWebhookUrl: g.arg({
      type: g.String,
      description: 'https only; never a private, loopback or link-local address in production.',
    }),
  },
})

export const updateActiveUser = (base: BaseSchemaMeta) => {
  const args = { data: g.arg({ type: g.nonNull(UserUpdateProfileInput) }) }
  return g.field({
    type: base.object('User'),
    args,
    resolve: withThrownErrors(async ({ data }: ArgsOf<typeof args>, context) => {
      const userId = requireUser(context)
      // where the customer's order events go outlives an impersonation: never set in one
      if (data.orderWebhookUrl !== undefined) refuseImpersonation(context)
      await updateProfile(context.sudo(), {
        userId,
        actorId: actorIdOf(context.session as Session | undefined),
        changes: {
          name: data.name,
          phone: data.phone,
          onboardingStatus: data.onboardingStatus,
          orderWebhookUrl: data.orderWebhookUrl,
        },
      })
      return context.db.User.findOne({ where: { id: userId } })
    }),
  })
}
