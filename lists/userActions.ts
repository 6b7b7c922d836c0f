// The account actions on a user's page in the Admin UI (Keystone list actions, each also a
// generated mutation such as sendPasswordResetUser): shown only to the staff who manage that user,
// judged again by the staff scope rules and run through services/accounts.
import { action } from '@keystone-6/core'
import type { Context, Lists } from '../generated/keystone/types'
import { canManageUsersOrStaff } from '../access/permissions'
import { managesOtherUser } from '../access/fields'
import { actionDomainErrors } from './hooks/domainErrors'
import { withCostlyWork } from './costlyWork'
import type { Session } from '../services/identity'
import {
  reachesSecondFactorOf,
  resetSecondFactorAsStaff,
  secondFactorsOf,
  resendConfirmationAsStaff,
  sendPasswordResetAsStaff,
  setActiveAsStaff,
  signOutEverywhereAsStaff,
} from '../services/accounts'

type UserItem = Lists.User.Item
type ShownFor = (item: UserItem, context: Context, session: Session | undefined) => boolean | Promise<boolean>
type Run = (context: Parameters<typeof sendPasswordResetAsStaff>[0], actor: Session, userId: string) => Promise<void>

// the item is read with the caller's own access first: a user it cannot read is not found
function userAction(label: string, run: Run, shownFor: ShownFor, messages: { prompt: string; success: string }) {
  return action<Lists.User.TypeInfo>({
    access: ({ session }) => canManageUsersOrStaff({ session }),
    async resolve({ where }, context) {
      const user = await context.db.User.findOne({ where })
      if (!user) return null
      await actionDomainErrors(() => run(context.sudo(), context.session as Session, user.id))
      return context.db.User.findOne({ where: { id: user.id } })
    },
    ui: {
      label,
      // the refusal's own message (a quiet period, say) is under the toast's Details
      messages: {
        ...messages,
        promptTitle: label,
        promptConfirmLabel: label,
        fail: `${label}: refused for {itemLabel}`,
      },
      itemView: {
        navigation: 'refetch',
        actionMode: async ({ session, item, context }) =>
          item && managesOtherUser({ session, item }) && (await shownFor(item, context as Context, session))
            ? 'enabled'
            : 'hidden',
      },
      listView: { actionMode: 'hidden' },
    },
  })
}

export const userActions = {
  // each mails the user: one per request, as every field that sends a mail (lists/costlyWork.ts)
  sendPasswordReset: withCostlyWork(
    userAction('Send password reset', sendPasswordResetAsStaff, item => item.isActive, {
      prompt: 'Mail {itemLabel} a link to choose a new password?',
      success: 'Password reset sent to {itemLabel}',
    }),
    'mail',
  ),
  resendConfirmation: withCostlyWork(
    userAction('Resend confirmation', resendConfirmationAsStaff, item => !item.isConfirmed && !item.isStaff, {
      prompt: 'Mail {itemLabel} a new link to confirm the account?',
      success: 'Confirmation sent to {itemLabel}',
    }),
    'mail',
  ),
  signOutEverywhere: userAction('Sign out everywhere', signOutEverywhereAsStaff, () => true, {
    prompt: 'End every session, token and pending link of {itemLabel}?',
    success: '{itemLabel} is signed out everywhere',
  }),
  // shown where it would do something, to whom may do it: a customer's by MANAGE_USERS, a staff user's by a superuser
  resetSecondFactor: userAction(
    'Reset second factor',
    resetSecondFactorAsStaff,
    async (item, context, session) => {
      const sudo = context.sudo()
      if (!(await reachesSecondFactorOf(sudo, session, item))) return false
      const factors = await secondFactorsOf(sudo, item.id)
      return factors.totp || factors.passkeys > 0
    },
    {
      prompt:
        'Turn off two-step sign-in for {itemLabel}: its authenticator app, recovery codes and passkeys stop working, and it is signed out everywhere. It is told by mail. Do this only once you are sure who asks.',
      success: 'Second factor of {itemLabel} reset',
    },
  ),
  activate: userAction(
    'Activate',
    (context, actor, id) => setActiveAsStaff(context, actor, id, true),
    item => !item.isActive,
    { prompt: 'Let {itemLabel} sign in again?', success: '{itemLabel} is active' },
  ),
  deactivate: userAction(
    'Deactivate',
    (context, actor, id) => setActiveAsStaff(context, actor, id, false),
    item => item.isActive,
    { prompt: 'Stop {itemLabel} from signing in, and sign it out everywhere?', success: '{itemLabel} is deactivated' },
  ),
}
