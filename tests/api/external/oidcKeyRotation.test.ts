// The provider's signing keys rotate (API.md §10, "JWKS with key rotation"): openid-client keeps the
// provider's key set and fetches it again when an ID token names a key it does not hold, once the
// set it holds is a minute old (at most once a minute, so a stream of forged key ids cannot make it
// hammer the provider). So a sign-in signed with the provider's new key works a minute after the
// rotation at the latest, with no restart. This test waits that minute out.
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../../helpers/server'
import { startOidcProvider, type TestOidcProvider } from '../../helpers/oidcProvider'

const REDIRECT = 'http://localhost:4999/account/callback'
const URL_MUTATION = `mutation($input: JSONString!) {
  externalAuthenticationUrl(pluginId: "idp", input: $input) { authenticationData errors { code } } }`
const OBTAIN = `mutation($input: JSONString!) {
  externalObtainAccessTokens(pluginId: "idp", input: $input) { token user { id } errors { code } } }`
// openid-client refetches a key set for an unknown key id once the set is this old (seconds)
const JWKS_REFETCH_AGE = 60

let op: TestOidcProvider
let server: TestServer

before(async () => {
  op = await startOidcProvider({ redirectUris: [REDIRECT] })
  const provider = { id: 'idp', issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }
  server = await startServer({ env: { OIDC_PROVIDERS: JSON.stringify([provider]) } })
})
after(async () => {
  await server?.stop()
  await op?.stop()
})

async function signIn(subject: string) {
  const res = await server.gql(URL_MUTATION, { input: JSON.stringify({ redirectUri: REDIRECT }) })
  const { authorizationUrl } = JSON.parse(res.body.data.externalAuthenticationUrl.authenticationData)
  const back = await op.authorize(authorizationUrl, subject)
  const obtained = await server.gql(OBTAIN, { input: JSON.stringify({ code: back.code, state: back.state }) })
  return obtained.body.data.externalObtainAccessTokens
}

test('after the provider rotates its signing key, sign-ins work again with the new key, the same user', async () => {
  // given: a sign-in, whose check fetched the provider's key set
  op.setAccount('rosalind', { email: 'rosalind@shopper.example', email_verified: true })
  const first = await signIn('rosalind')
  assert.deepEqual(first.errors, [])
  // when: the provider signs with a new key only, and the key set held is past its refetch age
  await op.rotateKeys()
  await new Promise(resolve => setTimeout(resolve, (JWKS_REFETCH_AGE + 2) * 1000))
  const second = await signIn('rosalind')
  // then
  assert.deepEqual(second.errors, [])
  assert.equal(second.user.id, first.user.id)
})
