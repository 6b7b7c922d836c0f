// The account actions on a user's page in the Admin UI (Keystone list actions, each also a
// generated mutation such as sendPasswordResetUser): shown only to the staff who manage that user,
// judged again by the staff scope rules and run through services/accounts.
import { action } from '@keystone-6/core'
import type { Lists } from '../generated/keystone/types'
import { canManageUsersOrStaff } from '../access/permissions'
import { managesOtherUser } from '../access/fields'
import type { Session } from '../services/identity'
import {
  resendConfirmationAsStaff,
  sendPasswordResetAsStaff,
  setActiveAsStaff,
  signOutEverywhereAsStaff,
} from '../services/accounts'

type UserItem = Lists.User.Item
type Run = (context: Parameters<typeof sendPasswordResetAsStaff>[0], actor: Session, userId: string) => Promise<void>

// the item is read with the caller's own access first: a user it cannot read is not found
function userAction(label: string, run: Run, shownFor: (item: UserItem) => boolean, success: string) {
  return action<Lists.User.TypeInfo>({
    access: ({ session }) => canManageUsersOrStaff({ session }),
    async resolve({ where }, context) {
      const user = await context.db.User.findOne({ where })
      if (!user) return null
      await run(context.sudo(), context.session as Session, user.id)
      return context.db.User.findOne({ where: { id: user.id } })
    },
    ui: {
      label,
      messages: { success, promptConfirmLabel: label },
      itemView: {
        navigation: 'refetch',
        actionMode: ({ session, item }) =>
          item && managesOtherUser({ session, item }) && shownFor(item) ? 'enabled' : 'hidden',
      },
      listView: { actionMode: 'hidden' },
    },
  })
}

export const userActions = {
  sendPasswordReset: userAction(
    'Send password reset',
    sendPasswordResetAsStaff,
    item => item.isActive,
    'Password reset sent to {itemLabel}',
  ),
  resendConfirmation: userAction(
    'Resend confirmation',
    resendConfirmationAsStaff,
    item => !item.isConfirmed && !item.isStaff,
    'Confirmation sent to {itemLabel}',
  ),
  signOutEverywhere: userAction(
    'Sign out everywhere',
    signOutEverywhereAsStaff,
    () => true,
    '{itemLabel} is signed out everywhere',
  ),
  activate: userAction(
    'Activate',
    (context, actor, id) => setActiveAsStaff(context, actor, id, true),
    item => !item.isActive,
    '{itemLabel} is active',
  ),
  deactivate: userAction(
    'Deactivate',
    (context, actor, id) => setActiveAsStaff(context, actor, id, false),
    item => item.isActive,
    '{itemLabel} is deactivated',
  ),
}
