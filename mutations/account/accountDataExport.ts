// accountDataExport: a copy of everything held about the signed-in user, as JSON, without a secret.
// Access: a signed-in user (customer or staff) in a session it signed in to; not through a customer
// API token (an integration's credential that may read the profile but not the whole record), nor
// in an impersonation (IMPERSONATION_FORBIDDEN: the whole record is the customer's to take, and
// staff take it with customerDataExport, under MANAGE_USERS). Effects: DATA_EXPORTED event. Twin: none.
import { g } from '../shared/g'
import { costly } from '../../lists/costlyWork'
import { errorsField, withErrorsList, type WithErrors } from '../shared/errors'
import { requireCredentialSession } from '../shared/guards'
import { JSONString } from '../shared/jsonString'
import { exportOwnData, type AccountDataExport } from '../../services/accounts'
import type { Session } from '../../services/identity'

type Payload = WithErrors & { data?: AccountDataExport }

export const accountDataExport = g.field({
  type: g.object<Payload>()({
    name: 'AccountDataExportPayload',
    fields: {
      data: g.field({
        type: JSONString,
        description:
          'Everything held about the account (profile, addresses, groups, events, sessions, passkeys, external accounts, mails sent), as JSON.',
      }),
      errors: errorsField(),
    },
  }),
  // a whole record read (one per request, as a password check or a mail: server/graphqlLimits.ts)
  extensions: costly('export'),
  resolve: withErrorsList(async (_args: Record<string, never>, context) => {
    requireCredentialSession(context)
    return { data: await exportOwnData(context.sudo(), context.session as Session) }
  }),
})
