// userSecondFactorReset: staff reset the second factor of a user who lost it (its phone, its
// passkeys): TOTP off, recovery codes and passkeys deleted, every session ended. A customer's
// needs MANAGE_USERS (and the staff scope rules), a staff user's a superuser; one's own, a user out
// of reach or one that does not exist is NOT_FOUND; a user with no second factor is INVALID.
// Access: MANAGE_USERS (KS_ACCESS_DENIED otherwise). Effects: SECOND_FACTOR_RESET event (actor: the
// caller) and mail; every session ended. Twin: the Admin UI's "Reset second factor" action on a
// user's page (lists/userActions.ts), the same service.
import { g, type ArgsOf } from '../shared/g'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requirePermission } from '../shared/guards'
import { resetSecondFactorAsStaff } from '../../services/accounts'

const args = { id: g.arg({ type: g.nonNull(g.ID) }) }

export const userSecondFactorReset = g.field({
  type: g.object<WithErrors>()({ name: 'UserSecondFactorResetPayload', fields: { errors: errorsField() } }),
  args,
  resolve: withErrorsList(async ({ id }: ArgsOf<typeof args>, context) => {
    await resetSecondFactorAsStaff(context, requirePermission(context, 'MANAGE_USERS'), id)
    return {}
  }),
})
