// What the passkey tests share: the documents, and a signed-in user enrolling a soft authenticator
// through the API as a browser would (options, then the authenticator's answer).
import type { TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makeCustomer } from '../../helpers/factories'
import { SoftAuthenticator, type Knobs } from '../../helpers/softAuthenticator'

export const REGISTRATION_OPTIONS = 'mutation { passkeyRegistrationOptions { options errors { field code } } }'
export const REGISTER = `mutation($response: JSON!, $name: String) {
  passkeyRegister(response: $response, name: $name) { passkey { id name createdAt lastUsedAt } errors { field code message } }
}`
export const RENAME =
  'mutation($id: ID!, $name: String!) { passkeyRename(id: $id, name: $name) { errors { field code } } }'
export const DELETE = 'mutation($id: ID!) { passkeyDelete(id: $id) { errors { field code } } }'
export const MY_PASSKEYS = '{ me { id passkeys { id name createdAt lastUsedAt } } }'
export const AUTHENTICATION_OPTIONS = `mutation($email: String) {
  passkeyAuthenticationOptions(email: $email) { options errors { field code } }
}`
export const SIGN_IN = `mutation($response: JSON!) {
  tokenCreateWithPasskey(response: $response) { token refreshToken csrfToken user { id email } errors { field code message } }
}`

export type Enrolled = {
  user: { id: string; email: string }
  token: string
  authenticator: SoftAuthenticator
  passkeyId: string
}

/** The options passkeyRegistrationOptions answers the holder of `token`. */
export async function registrationOptions(server: TestServer, token: string) {
  const res = await server.gql(REGISTRATION_OPTIONS, {}, { token })
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors))
  return res.body.data.passkeyRegistrationOptions.options
}

/** A customer (or the user given) with a passkey registered through the API. */
export async function enrolled(
  server: TestServer,
  given?: { id: string; email: string },
  authenticator = new SoftAuthenticator(),
): Promise<Enrolled> {
  const user = given ?? (await makeCustomer(server.context))
  // a first passkey from a password session (enrolment); another only from a session that proved
  // the one held (services/identity/secondFactor.ts: assertMayAddSecondFactor)
  const held = await server.context.prisma.passkeyCredential.count({ where: { userId: user.id } })
  const token = await tokenFor(server.context, user.id, held > 0 ? ['hwk', 'mfa'] : ['pwd'])
  const options = await registrationOptions(server, token)
  const res = await server.gql(REGISTER, { response: authenticator.register(options) }, { token })
  const payload = res.body.data.passkeyRegister
  if (payload.errors.length > 0) throw new Error(JSON.stringify(payload.errors))
  return { user: { id: user.id, email: user.email }, token, authenticator, passkeyId: payload.passkey.id }
}

/** passkeyAuthenticationOptions' options, with the email or without. */
export async function authenticationOptions(server: TestServer, email?: string) {
  const res = await server.gql(AUTHENTICATION_OPTIONS, email === undefined ? {} : { email })
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors))
  return res.body.data.passkeyAuthenticationOptions.options
}

/** Sign in with the authenticator: new options (for `email`, if given), its assertion, tokenCreateWithPasskey. */
export async function signIn(server: TestServer, authenticator: SoftAuthenticator, knobs: Knobs = {}, email?: string) {
  const options = await authenticationOptions(server, email)
  const response = authenticator.assert(options, knobs)
  const res = await server.gql(SIGN_IN, { response })
  return { res, payload: res.body.data?.tokenCreateWithPasskey, response }
}

/** How many sessions the user has: a refused sign-in makes none. */
export function sessionCount(server: TestServer, userId: string): Promise<number> {
  return server.context.prisma.authSession.count({ where: { userId } })
}
