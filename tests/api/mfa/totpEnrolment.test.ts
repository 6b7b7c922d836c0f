// TOTP on one's own account (API.md §9): setup with the password (a second setup replaces the
// first), confirmation with a first code (ten recovery codes, an event and a mail), disable and
// regenerate with the password and a code; every refusal a clear code that changes nothing; and
// `me { totpEnabled recoveryCodesLeft }`. The secret is never readable through any API.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { buildSchema, type GraphQLObjectType } from 'graphql'
import { ROOT, startServer, type TestServer } from '../../helpers/server'
import { startMailbox, type Mailbox } from '../../helpers/mailbox'
import { PASSWORD, makeCustomer, makeStaff, makeSuperuser } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'
import {
  CODES_REGENERATE,
  ME_SECURITY,
  TOTP_CONFIRM,
  TOTP_DISABLE,
  TOTP_SETUP,
  awayFromStepEdge,
  codeFor,
  codesOf,
  confirmedLongAgo,
  enrol,
} from './mfaClient'

let server: TestServer
let mailbox: Mailbox

before(async () => {
  mailbox = await startMailbox()
  server = await startServer({ env: { SMTP_URL: mailbox.url, OUTBOX_POLL_MS: '100', TRUST_PROXY: '1' } })
})
after(async () => {
  await server?.stop()
  await mailbox?.stop()
})

async function userRow(id: string) {
  return server.context.prisma.user.findUniqueOrThrow({ where: { id } })
}

async function eventTypes(userId: string): Promise<string[]> {
  const events = await server.context.prisma.accountEvent.findMany({ where: { userId }, orderBy: { date: 'asc' } })
  return events.map(event => event.type)
}

describe('setup and confirmation', () => {
  test('setup answers a base32 secret of 160 bits, its otpauth URI and a QR code, and enables nothing', async () => {
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    const res = await server.gql(TOTP_SETUP, { password: PASSWORD }, { token })
    const payload = res.body.data.accountTotpSetup
    assert.deepEqual(payload.errors, [])
    assert.match(payload.secret, /^[A-Z2-7]{32}$/)
    const uri = new URL(payload.otpauthUri)
    assert.equal(uri.protocol, 'otpauth:')
    assert.equal(uri.host, 'totp')
    assert.equal(decodeURIComponent(uri.pathname), `/Commerce identity:${customer.email}`)
    assert.equal(uri.searchParams.get('secret'), payload.secret)
    assert.equal(uri.searchParams.get('issuer'), 'Commerce identity')
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1')
    assert.equal(uri.searchParams.get('digits'), '6')
    assert.equal(uri.searchParams.get('period'), '30')
    assert.match(payload.qrCode, /^data:image\/svg\+xml;base64,/)
    assert.match(Buffer.from(payload.qrCode.split(',')[1], 'base64').toString('utf8'), /<svg[\s\S]*<\/svg>/)

    const row = await userRow(customer.id)
    assert.equal(row.totpEnabledAt, null)
    assert.equal(row.totpSecret, null)
    // sealed at rest: the secret is not in the stored value
    assert.ok(row.totpPendingSecret?.startsWith('v1.'))
    assert.ok(!row.totpPendingSecret!.includes(payload.secret))
    const me = await server.gql(ME_SECURITY, {}, { token })
    assert.equal(me.body.data.me.totpEnabled, false)
    assert.equal(me.body.data.me.recoveryCodesLeft, 0)
  })

  test('a wrong password is INVALID_PASSWORD on password and stores nothing', async () => {
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    const res = await server.gql(TOTP_SETUP, { password: 'not the password at all' }, { token })
    assert.deepEqual(res.body.data.accountTotpSetup, {
      secret: null,
      otpauthUri: null,
      qrCode: null,
      errors: [{ field: 'password', code: 'INVALID_PASSWORD' }],
    })
    assert.equal((await userRow(customer.id)).totpPendingSecret, null)
  })

  test('confirm turns it on: ten recovery codes, TOTP_ENABLED event and mail, me reads it', async () => {
    const customer = await makeCustomer(server.context)
    const enrolled = await enrol(server, customer)
    assert.equal(enrolled.recoveryCodes.length, 10)
    for (const code of enrolled.recoveryCodes) assert.match(code, /^[a-z2-9]{5}-[a-z2-9]{5}$/)
    assert.equal(new Set(enrolled.recoveryCodes).size, 10)

    const row = await userRow(customer.id)
    assert.ok(row.totpEnabledAt)
    assert.equal(row.totpPendingSecret, null)
    assert.ok(row.totpSecret?.startsWith('v1.') && !row.totpSecret.includes(enrolled.secret))
    // stored hashed: no code in clear
    const stored = await server.context.prisma.recoveryCode.findMany({ where: { userId: customer.id } })
    assert.equal(stored.length, 10)
    for (const code of enrolled.recoveryCodes)
      assert.ok(stored.every(row => !row.codeHash.includes(code.replace('-', ''))))
    assert.deepEqual(await eventTypes(customer.id), ['TOTP_ENABLED'])
    const mail = await mailbox.next(customer.email, /Two-step sign-in is on/)
    assert.match(mail.text, /authenticator app/)

    const me = await server.gql(ME_SECURITY, {}, { token: enrolled.token })
    assert.equal(me.body.data.me.totpEnabled, true)
    assert.equal(me.body.data.me.recoveryCodesLeft, 10)
  })

  test('a second setup replaces the first: only the second secret confirms', async () => {
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    const first = (await server.gql(TOTP_SETUP, { password: PASSWORD }, { token })).body.data.accountTotpSetup
    const second = (await server.gql(TOTP_SETUP, { password: PASSWORD }, { token })).body.data.accountTotpSetup
    assert.notEqual(first.secret, second.secret)
    await awayFromStepEdge()
    const stale = await server.gql(TOTP_CONFIRM, { code: codeFor(first.secret) }, { token })
    assert.deepEqual(stale.body.data.accountTotpConfirm, {
      recoveryCodes: null,
      errors: [{ field: 'code', code: 'INVALID_MFA_CODE' }],
    })
    assert.equal((await userRow(customer.id)).totpEnabledAt, null)
    const good = await server.gql(TOTP_CONFIRM, { code: codeFor(second.secret) }, { token })
    assert.deepEqual(good.body.data.accountTotpConfirm.errors, [])
  })

  test('confirm with a malformed code, or without a setup, is refused and enables nothing', async () => {
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    const none = await server.gql(TOTP_CONFIRM, { code: '123456' }, { token })
    assert.deepEqual(none.body.data.accountTotpConfirm.errors, [{ field: 'code', code: 'INVALID' }])
    await server.gql(TOTP_SETUP, { password: PASSWORD }, { token })
    for (const code of ['12345', '1234567', 'abcdef', '']) {
      const res = await server.gql(TOTP_CONFIRM, { code }, { token })
      assert.deepEqual(res.body.data.accountTotpConfirm.errors, [{ field: 'code', code: 'INVALID_MFA_CODE' }], code)
    }
    assert.equal((await userRow(customer.id)).totpEnabledAt, null)
  })

  test('setup once enabled is refused with INVALID and keeps the enabled secret', async () => {
    const customer = await makeCustomer(server.context)
    const enrolled = await enrol(server, customer)
    const before = await userRow(customer.id)
    const res = await server.gql(TOTP_SETUP, { password: PASSWORD }, { token: enrolled.token })
    assert.deepEqual(res.body.data.accountTotpSetup.errors, [{ field: null, code: 'INVALID' }])
    assert.equal(res.body.data.accountTotpSetup.secret, null)
    const after = await userRow(customer.id)
    assert.equal(after.totpSecret, before.totpSecret)
    assert.equal(after.totpPendingSecret, null)
  })
})

describe('disable and regenerate', () => {
  test('disable with the password and a TOTP code: off, recovery codes gone, TOTP_DISABLED event and mail', async () => {
    const customer = await makeCustomer(server.context)
    const enrolled = await enrol(server, customer)
    await confirmedLongAgo(server, customer.id)
    await awayFromStepEdge()
    const res = await server.gql(
      TOTP_DISABLE,
      { password: PASSWORD, code: codeFor(enrolled.secret) },
      { token: enrolled.token },
    )
    assert.deepEqual(res.body.data.accountTotpDisable.errors, [])
    const row = await userRow(customer.id)
    assert.deepEqual([row.totpEnabledAt, row.totpSecret, row.totpPendingSecret], [null, null, null])
    assert.equal(await server.context.prisma.recoveryCode.count({ where: { userId: customer.id } }), 0)
    assert.deepEqual(await eventTypes(customer.id), ['TOTP_ENABLED', 'TOTP_DISABLED'])
    await mailbox.next(customer.email, /Two-step sign-in is off/)
    // the session that turned it off goes on
    const me = await server.gql(ME_SECURITY, {}, { token: enrolled.token })
    assert.deepEqual([me.body.data.me.totpEnabled, me.body.data.me.recoveryCodesLeft], [false, 0])
  })

  test('disable with a recovery code (upper case, no dash) works', async () => {
    const customer = await makeCustomer(server.context)
    const enrolled = await enrol(server, customer)
    const typed = enrolled.recoveryCodes[3]!.replace('-', '').toUpperCase()
    const res = await server.gql(TOTP_DISABLE, { password: PASSWORD, code: typed }, { token: enrolled.token })
    assert.deepEqual(res.body.data.accountTotpDisable.errors, [])
    assert.equal((await userRow(customer.id)).totpEnabledAt, null)
  })

  test('disable refusals change nothing: wrong password, wrong code, the confirming code again', async () => {
    const customer = await makeCustomer(server.context)
    const enrolled = await enrol(server, customer)
    const before = await userRow(customer.id)
    const cases: [string, string, { field: string; code: string }][] = [
      ['not the password at all', codeFor(enrolled.secret), { field: 'password', code: 'INVALID_PASSWORD' }],
      [PASSWORD, '000000', { field: 'code', code: 'INVALID_MFA_CODE' }],
      [PASSWORD, '12 34', { field: 'code', code: 'INVALID_MFA_CODE' }],
      // the code that confirmed the setup counts as used
      [PASSWORD, codeFor(enrolled.secret), { field: 'code', code: 'INVALID_MFA_CODE' }],
    ]
    for (const [password, code, error] of cases) {
      const res = await server.gql(TOTP_DISABLE, { password, code }, { token: enrolled.token })
      assert.deepEqual(res.body.data.accountTotpDisable.errors, [error], `${password} ${code}`)
    }
    const after = await userRow(customer.id)
    assert.deepEqual(
      [after.totpEnabledAt, after.totpSecret, after.totpLastStep],
      [before.totpEnabledAt, before.totpSecret, before.totpLastStep],
    )
    assert.equal(await server.context.prisma.recoveryCode.count({ where: { userId: customer.id, usedAt: null } }), 10)
    assert.deepEqual(await eventTypes(customer.id), ['TOTP_ENABLED'])
  })

  test('disable and regenerate without TOTP enabled are INVALID and change nothing', async () => {
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    // a pending setup stays pending
    await server.gql(TOTP_SETUP, { password: PASSWORD }, { token })
    const pending = (await userRow(customer.id)).totpPendingSecret
    const disable = await server.gql(TOTP_DISABLE, { password: PASSWORD, code: '123456' }, { token })
    assert.deepEqual(disable.body.data.accountTotpDisable.errors, [{ field: null, code: 'INVALID' }])
    const regenerate = await server.gql(CODES_REGENERATE, { password: PASSWORD, code: '123456' }, { token })
    assert.deepEqual(regenerate.body.data.accountRecoveryCodesRegenerate, {
      recoveryCodes: null,
      errors: [{ field: null, code: 'INVALID' }],
    })
    assert.equal((await userRow(customer.id)).totpPendingSecret, pending)
    assert.deepEqual(await eventTypes(customer.id), [])
  })

  test('regenerate: ten new codes, the old ones stop working, RECOVERY_CODES_REGENERATED', async () => {
    const customer = await makeCustomer(server.context)
    const enrolled = await enrol(server, customer)
    const res = await server.gql(
      CODES_REGENERATE,
      { password: PASSWORD, code: enrolled.recoveryCodes[0] },
      { token: enrolled.token },
    )
    const payload = res.body.data.accountRecoveryCodesRegenerate
    assert.deepEqual(payload.errors, [])
    assert.equal(payload.recoveryCodes.length, 10)
    assert.equal(payload.recoveryCodes.filter((code: string) => enrolled.recoveryCodes.includes(code)).length, 0)
    assert.deepEqual(await eventTypes(customer.id), ['TOTP_ENABLED', 'RECOVERY_CODES_REGENERATED'])
    const me = await server.gql(ME_SECURITY, {}, { token: enrolled.token })
    assert.equal(me.body.data.me.recoveryCodesLeft, 10)
    // an old code no longer proves anything
    const old = await server.gql(
      CODES_REGENERATE,
      { password: PASSWORD, code: enrolled.recoveryCodes[1] },
      { token: enrolled.token },
    )
    assert.deepEqual(codesOf(old.body.data.accountRecoveryCodesRegenerate), ['INVALID_MFA_CODE'])
    const fresh = await server.gql(
      TOTP_DISABLE,
      { password: PASSWORD, code: payload.recoveryCodes[9] },
      { token: enrolled.token },
    )
    assert.deepEqual(fresh.body.data.accountTotpDisable.errors, [])
  })
})

describe('who may call', () => {
  test('anonymous callers and customer API tokens are refused with KS_ACCESS_DENIED', async () => {
    const customer = await makeCustomer(server.context)
    const token = await tokenFor(server.context, customer.id)
    const issued = await server.gql('mutation { regenerateCustomerToken { success token } }', {}, { token })
    const apiToken = issued.body.data.regenerateCustomerToken.token
    assert.ok(apiToken)
    const calls: [string, Record<string, string>][] = [
      [TOTP_SETUP, { password: PASSWORD }],
      [TOTP_CONFIRM, { code: '123456' }],
      [TOTP_DISABLE, { password: PASSWORD, code: '123456' }],
      [CODES_REGENERATE, { password: PASSWORD, code: '123456' }],
    ]
    for (const [query, variables] of calls) {
      for (const credentials of [{}, { token: apiToken }]) {
        const res = await server.gql(query, variables, credentials)
        assert.equal(res.body.errors?.[0]?.extensions?.code, 'KS_ACCESS_DENIED', JSON.stringify(res.body))
      }
    }
    assert.equal((await userRow(customer.id)).totpPendingSecret, null)
  })

  test('staff who manage a user read totpEnabled and recoveryCodesLeft; another customer reads no user', async () => {
    const customer = await makeCustomer(server.context)
    await enrol(server, customer)
    const support = await makeStaff(server.context, ['MANAGE_USERS'])
    const other = await makeCustomer(server.context)
    const query = 'query($id: ID!) { user(where: { id: $id }) { id totpEnabled recoveryCodesLeft } }'
    const staffView = await server.gql(
      query,
      { id: customer.id },
      { token: await tokenFor(server.context, support.id) },
    )
    assert.deepEqual(staffView.body.data.user, { id: customer.id, totpEnabled: true, recoveryCodesLeft: 10 })
    const otherView = await server.gql(query, { id: customer.id }, { token: await tokenFor(server.context, other.id) })
    assert.equal(otherView.body.data.user, null)
  })
})

describe('secrets are never readable', () => {
  test('no API field and no Admin UI field holds a TOTP secret, a recovery code or a challenge', async () => {
    const superuser = await makeSuperuser(server.context)
    const token = await tokenFor(server.context, superuser.id)
    // the generated API as the server serves it (introspection is off in production)
    const schema = buildSchema(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'))
    const types = Object.values(schema.getTypeMap()).filter(type => !type.name.startsWith('__'))
    const names = types.flatMap(type => [
      type.name,
      ...('getFields' in type ? Object.keys(type.getFields()).map(field => `${type.name}.${field}`) : []),
    ])
    const secretish = names.filter(name =>
      /totpSecret|totpPending|totpLastStep|codeHash|challengeHash|^RecoveryCode|^AuthChallenge/i.test(name),
    )
    assert.deepEqual(secretish, [])
    const userFields = Object.keys((schema.getType('User') as GraphQLObjectType).getFields())
    assert.ok(userFields.includes('totpEnabled') && userFields.includes('recoveryCodesLeft'))

    // the Admin UI's item page of a user: the fields its metadata lists, and what its query reads
    const customer = await makeCustomer(server.context)
    const enrolled = await enrol(server, customer)
    const meta = await server.gql(
      `query ($id: ID!) { keystone { adminMeta { list(key: "User", itemId: $id) { fields { key itemView { fieldMode } } } } } }`,
      { id: customer.id },
      { token },
    )
    assert.ok(meta.body.data?.keystone, JSON.stringify(meta.body))
    const paths = meta.body.data.keystone.adminMeta.list.fields.map((field: { key: string }) => field.key)
    assert.deepEqual(
      paths.filter((path: string) => /totpSecret|totpPending|totpLastStep|totpEnabledAt/.test(path)),
      [],
    )
    // every scalar the Admin UI can show of a user, as its item page reads them
    const scalars = paths.filter((path: string) =>
      ['id', 'email', 'name', 'totpEnabled', 'recoveryCodesLeft', 'hasAccount', 'lastLogin'].includes(path),
    )
    assert.ok(scalars.includes('totpEnabled'))
    const item = await server.gql(
      `query($id: ID!) { item: user(where: { id: $id }) { ${scalars.join(' ')} sessions { amr } } }`,
      { id: customer.id },
      { token },
    )
    assert.equal(item.body.errors, undefined, JSON.stringify(item.body.errors))
    const text = JSON.stringify(item.body)
    const row = await userRow(customer.id)
    for (const secret of [enrolled.secret, row.totpSecret!, ...enrolled.recoveryCodes])
      assert.ok(!text.includes(secret), 'a secret in the item query')
  })
})

describe('removal', () => {
  test('deleting an enrolled customer deletes its recovery codes and sign-in challenges with it', async () => {
    const customer = await makeCustomer(server.context)
    const enrolled = await enrol(server, customer)
    const signIn = await server.gql(
      'mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { mfaChallenge errors { code } } }',
      { email: enrolled.email, password: PASSWORD },
    )
    assert.ok(signIn.body.data.tokenCreate.mfaChallenge)
    // the rows by id: a relation that is merely unlinked would leave them behind, ownerless
    const codeIds = (await server.context.prisma.recoveryCode.findMany({ where: { userId: customer.id } })).map(
      row => row.id,
    )
    const challengeIds = (await server.context.prisma.authChallenge.findMany({ where: { userId: customer.id } })).map(
      row => row.id,
    )
    assert.deepEqual([codeIds.length, challengeIds.length], [10, 1])
    const support = await makeStaff(server.context, ['MANAGE_USERS'])
    const res = await server.gql(
      'mutation($id: ID!) { customerDelete(id: $id) { errors { field code } } }',
      { id: customer.id },
      { token: await tokenFor(server.context, support.id) },
    )
    assert.deepEqual(res.body.data?.customerDelete?.errors, [], JSON.stringify(res.body))
    assert.equal(await server.context.prisma.user.count({ where: { id: customer.id } }), 0)
    assert.equal(await server.context.prisma.recoveryCode.count({ where: { id: { in: codeIds } } }), 0)
    assert.equal(await server.context.prisma.authChallenge.count({ where: { id: { in: challengeIds } } }), 0)
  })
})
