// The fields that check a password or send a mail, read from the project's own finished schema:
// every custom field and Keystone generated field that does such work declares it (an extension on
// the field: lists/costlyWork.ts, server/fieldCosts.ts), and the request limits read nothing else.
// The set below is what the limits held by name before the declarations: a field that loses its
// declaration, or a new one that gains it, shows here.
import '../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GraphQLError, isInputObjectType, parse, type GraphQLSchema, type OperationDefinitionNode } from 'graphql'
import { createContext } from '../../../scripts/lib/context'
import { costlyWorkOf } from '../../../lists/costlyWork'
import { measureRequest } from '../../../server/graphqlLimits'

const COSTLY_MUTATIONS = {
  tokenCreate: ['password'],
  authenticateUserWithPassword: ['password'],
  setPassword: ['password'],
  passwordChange: ['password', 'mail'],
  updateActiveUserPassword: ['password', 'mail'],
  accountRegister: ['password', 'mail'],
  requestPasswordReset: ['mail'],
  requestEmailChange: ['password', 'mail'],
  confirmEmailChange: ['mail'],
  accountRequestDeletion: ['mail'],
  customerCreate: ['mail'],
  staffCreate: ['mail'],
  sendPasswordResetUser: ['mail'],
  sendPasswordResetUsers: ['mail'],
  resendConfirmationUser: ['mail'],
  resendConfirmationUsers: ['mail'],
  // a staff reset of a second factor mails its user: one request resets one user
  userSecondFactorReset: ['mail'],
  resetSecondFactorUser: ['mail'],
  resetSecondFactorUsers: ['mail'],
  // a recovery code used mails its owner; one answer per request, so aliases cannot guess codes in bulk
  tokenCreateMfa: ['mail'],
  accountTotpSetup: ['password'],
  accountTotpConfirm: ['mail'],
  accountTotpDisable: ['password', 'mail'],
  accountRecoveryCodesRegenerate: ['password'],
  passkeyRegister: ['mail'],
  passkeyAuthenticationOptions: ['password'],
  tokenCreateWithPasskey: ['password'],
  // a provider sign-in: a call to the provider, and a new account's confirmation mail
  externalObtainAccessTokens: ['provider', 'mail'],
  // where to send a shopper: a stored challenge and, the first time, the provider's discovery
  externalAuthenticationUrl: ['provider'],
  externalLogout: ['provider'],
  // the Admin UI's sign-in steps: a recovery code's mail; a passkey sign-in
  adminSignInWithCode: ['password', 'mail'],
  adminSignInWithPasskey: ['password'],
  // a person's whole record, read: one per request, so aliases cannot multiply it
  accountDataExport: ['export'],
  customerDataExport: ['export'],
}

const COSTLY_INPUTS = { 'UserCreateInput.password': ['password'], 'UserUpdateInput.password': ['password'] }

let served: GraphQLSchema | undefined
async function schema(): Promise<GraphQLSchema> {
  served ??= (await createContext()).graphql.schema
  return served
}

function refusedLimit(schema: GraphQLSchema, source: string): string | undefined {
  const document = parse(source)
  const operation = document.definitions.find(d => d.kind === 'OperationDefinition') as OperationDefinitionNode
  try {
    measureRequest(schema, document, operation, {})
    return undefined
  } catch (error) {
    assert.ok(error instanceof GraphQLError)
    return String(error.extensions.limit)
  }
}

test('the mutations that check a password or send a mail are the ones that declare it', async () => {
  const declared = Object.fromEntries(
    Object.values((await schema()).getMutationType()!.getFields())
      .filter(field => costlyWorkOf(field).length > 0)
      .map(field => [field.name, [...costlyWorkOf(field)]]),
  )
  assert.deepEqual(declared, COSTLY_MUTATIONS)
})

test('the input fields that hash a password wherever they are set are the ones that declare it', async () => {
  const declared: Record<string, string[]> = {}
  for (const type of Object.values((await schema()).getTypeMap()))
    if (isInputObjectType(type))
      for (const field of Object.values(type.getFields()))
        if (costlyWorkOf(field).length > 0) declared[`${type.name}.${field.name}`] = [...costlyWorkOf(field)]
  assert.deepEqual(declared, COSTLY_INPUTS)
})

test('the served schema limits the declared fields: generated account actions and a nested password', async () => {
  const served = await schema()
  const reset = 'sendPasswordResetUser(where: { id: "1" }) { id }'
  assert.equal(refusedLimit(served, `mutation { ${reset} }`), undefined)
  assert.equal(
    refusedLimit(served, `mutation { a: ${reset} b: resendConfirmationUser(where: { id: "1" }) { id } }`),
    'costlyItems',
  )
  assert.equal(
    refusedLimit(
      served,
      'mutation { sendPasswordResetUsers(data: [{ where: { id: "1" } }, { where: { id: "2" } }]) { id } }',
    ),
    'costlyItems',
  )
  const nested = 'createAddress(data: { user: { create: { email: "a@example.com", password: "p" } } }) { id }'
  assert.equal(refusedLimit(served, `mutation { ${nested} }`), undefined)
  assert.equal(
    refusedLimit(served, `mutation { ${nested} tokenCreate(email: "a", password: "b") { token } }`),
    'costlyItems',
  )
  // a field that declares nothing is not limited, however often it is asked
  assert.equal(
    refusedLimit(served, 'mutation { a: tokenVerify(token: "x") { isValid } b: tokenVerify(token: "y") { isValid } }'),
    undefined,
  )
})
