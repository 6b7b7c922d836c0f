// Every custom GraphQL field, one line each, grouped as in API.md section 4.
import type { GraphQLSchema } from 'graphql'
import { g } from './shared/g'
import { restrictAdminSignIn } from '../auth'
import { me } from './queries/me'
import { tokenCreate } from './authentication/tokenCreate'
import { tokenRefresh } from './authentication/tokenRefresh'
import { tokenVerify } from './authentication/tokenVerify'
import { tokensDeactivateAll } from './authentication/tokensDeactivateAll'
import { accountRegister } from './account/accountRegister'
import { confirmAccount } from './account/confirmAccount'
import { requestPasswordReset } from './account/requestPasswordReset'
import { setPassword } from './account/setPassword'
import { passwordChange } from './account/passwordChange'
import { requestEmailChange } from './account/requestEmailChange'
import { confirmEmailChange } from './account/confirmEmailChange'
import { accountRequestDeletion } from './account/accountRequestDeletion'
import { accountDelete } from './account/accountDelete'
import { updateActiveUserPassword } from './activeUser/updateActiveUserPassword'

const extension = g.extend(base => ({
  query: {
    me: me(base),
  },
  mutation: {
    // authentication
    tokenCreate: tokenCreate(base),
    tokenRefresh: tokenRefresh(base),
    tokenVerify: tokenVerify(base),
    tokensDeactivateAll,
    // self-service, Saleor vocabulary
    accountRegister: accountRegister(base),
    confirmAccount: confirmAccount(base),
    requestPasswordReset,
    setPassword: setPassword(base),
    passwordChange: passwordChange(base),
    requestEmailChange: requestEmailChange(base),
    confirmEmailChange: confirmEmailChange(base),
    accountRequestDeletion,
    accountDelete,
    // self-service, Openfront vocabulary
    updateActiveUserPassword: updateActiveUserPassword(base),
  },
}))

export function extendGraphqlSchema (schema: GraphQLSchema): GraphQLSchema {
  return restrictAdminSignIn(extension(schema))
}
