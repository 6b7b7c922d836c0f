// Issue 16, finding 8, each closed as a class and attacked in several shapes:
// 1. every payload that returns a User resolves every field its reader may read (no internal
//    error, no silently empty relationship), read as the right actor;
// 2. no response of any route names the server software (the Admin UI's Next.js pages included);
// 3. no error lists the schema's names to a caller who cannot introspect ("Did you mean" anywhere);
// 4. every malformed or unsupported request body is answered as JSON 400/413/415, logged by type
//    and status, never HTML, never its content;
// 5. CORS_ORIGINS: only allowed origins get CORS headers, with credentials and a preflight, and the
//    Admin UI's cookie never speaks for them.
import '../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { buildSchema, getNamedType, isObjectType, type GraphQLObjectType } from 'graphql'
import { ROOT, startServer, type TestServer } from '../helpers/server'
import { PASSWORD, makeAddress, makeChannel, makeCustomer, makePermissionGroup, makeStaff } from '../helpers/factories'
import { tokenFor } from '../helpers/actors'
import { issueOneTimeToken } from '../../services/identity/oneTimeTokens'

const ALLOWED_ORIGIN = 'https://shop.example.com'
const OTHER_ALLOWED = 'http://localhost:5173'
const FOREIGN_ORIGIN = 'https://evil.example.net'

let server: TestServer

before(async () => {
  server = await startServer({ env: { CORS_ORIGINS: `${ALLOWED_ORIGIN}, ${OTHER_ALLOWED}/` } })
})
after(async () => {
  await server?.stop()
})

// ---------------------------------------------------------------------------------------------
// 1. a payload's User

/** Every field of schema.graphql's User, an object field with its `id` (or `__typename`). */
function everyUserField(): string {
  const schema = buildSchema(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'))
  const user = schema.getType('User') as GraphQLObjectType
  return Object.values(user.getFields())
    .map(field => {
      const named = getNamedType(field.type)
      if (!isObjectType(named)) return field.name
      return `${field.name} { ${'id' in named.getFields() ? 'id' : '__typename'} }`
    })
    .join(' ')
}
const USER = `{ ${everyUserField()} }`

type UserAnswer = Record<string, any>

function assertNoErrors(body: { errors?: unknown; data?: unknown }, what: string): void {
  assert.equal(body.errors, undefined, `${what}: ${JSON.stringify(body.errors)}`)
}

describe('a payload that returns a User resolves every field its reader may read', () => {
  test('tokenCreate for staff: userPermissions, channels and every other field, no internal error', async () => {
    // given: staff in a group with two permissions and one channel
    const channel = await makeChannel(server.context)
    const staff = await makeStaff(server.context, [])
    await makePermissionGroup(server.context, ['MANAGE_USERS', 'MANAGE_ORDERS'], {
      restrictedAccessToChannels: true,
      accessibleChannels: { connect: [{ id: channel.id }] },
      users: { connect: [{ id: staff.id }] },
    })
    // when: signing in anonymously and reading the whole user
    const res = await server.gql(
      `mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { code } user ${USER} } }`,
      { email: staff.email, password: PASSWORD },
    )
    // then
    assertNoErrors(res.body, 'tokenCreate')
    const user: UserAnswer = res.body.data.tokenCreate.user
    assert.equal(user.id, staff.id)
    assert.equal(user.email, staff.email)
    assert.deepEqual([...user.userPermissions].sort(), ['MANAGE_ORDERS', 'MANAGE_USERS'])
    assert.equal(user.restrictedAccessToChannels, true)
    assert.deepEqual(user.accessibleChannels, [{ id: channel.id }])
    assert.equal(user.permissionGroups.length, 1)
  })

  test('tokenCreate, tokenRefresh, tokenVerify, setPassword, confirmAccount for a customer: its addresses too', async () => {
    const customer = await makeCustomer(server.context)
    const address = await makeAddress(server.context, customer.id)
    await server.context.sudo().db.User.updateOne({
      where: { id: customer.id },
      data: { defaultShippingAddress: { connect: { id: address.id } } },
    })
    const checkUser = (user: UserAnswer, what: string) => {
      assert.equal(user?.id, customer.id, what)
      assert.deepEqual(user.addresses, [{ id: address.id }], `${what}: addresses`)
      assert.deepEqual(user.defaultShippingAddress, { id: address.id }, `${what}: default address`)
      assert.deepEqual(user.userPermissions, [], what)
      assert.equal(user.addressesCount, 1, what)
    }

    const created = await server.gql(
      `mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token refreshToken csrfToken user ${USER} } }`,
      { email: customer.email, password: PASSWORD },
    )
    assertNoErrors(created.body, 'tokenCreate')
    checkUser(created.body.data.tokenCreate.user, 'tokenCreate')

    const refreshed = await server.gql(
      `mutation($refreshToken: String) { tokenRefresh(refreshToken: $refreshToken) { token user ${USER} } }`,
      { refreshToken: created.body.data.tokenCreate.refreshToken },
    )
    assertNoErrors(refreshed.body, 'tokenRefresh')
    checkUser(refreshed.body.data.tokenRefresh.user, 'tokenRefresh')

    // a variation: tokenVerify asked by another signed-in user answers the token's user as itself
    const other = await makeCustomer(server.context)
    const verified = await server.gql(
      `mutation($token: String!) { tokenVerify(token: $token) { isValid user ${USER} } }`,
      { token: created.body.data.tokenCreate.token },
      { token: await tokenFor(server.context, other.id) },
    )
    assertNoErrors(verified.body, 'tokenVerify')
    checkUser(verified.body.data.tokenVerify.user, 'tokenVerify')

    const resetToken = await issueOneTimeToken(server.context, { userId: customer.id, purpose: 'PASSWORD_RESET' })
    const reset = await server.gql(
      `mutation($email: String!, $token: String!) { setPassword(email: $email, token: $token, password: "a fresh and rather long passphrase") { token errors { code } user ${USER} } }`,
      { email: customer.email, token: resetToken },
    )
    assertNoErrors(reset.body, 'setPassword')
    assert.deepEqual(reset.body.data.setPassword.errors, [])
    checkUser(reset.body.data.setPassword.user, 'setPassword')

    await server.context.prisma.user.update({ where: { id: customer.id }, data: { isConfirmed: false } })
    const confirmToken = await issueOneTimeToken(server.context, {
      userId: customer.id,
      purpose: 'ACCOUNT_CONFIRMATION',
    })
    const confirmed = await server.gql(
      `mutation($email: String!, $token: String!) { confirmAccount(email: $email, token: $token) { errors { code } user ${USER} } }`,
      { email: customer.email, token: confirmToken },
    )
    assertNoErrors(confirmed.body, 'confirmAccount')
    checkUser(confirmed.body.data.confirmAccount.user, 'confirmAccount')
  })

  test("nested and aliased: rows a payload's relationships lead to are read as the same user", async () => {
    const customer = await makeCustomer(server.context)
    const address = await makeAddress(server.context, customer.id)
    const res = await server.gql(
      `mutation($email: String!, $password: String!) { signIn: tokenCreate(email: $email, password: $password) {
        me: user { mail: email addresses { id owner: user { id email userPermissions addressesCount } } } } }`,
      { email: customer.email, password: PASSWORD },
    )
    assertNoErrors(res.body, 'tokenCreate')
    assert.deepEqual(res.body.data.signIn.me, {
      mail: customer.email,
      addresses: [
        { id: address.id, owner: { id: customer.id, email: customer.email, userPermissions: [], addressesCount: 1 } },
      ],
    })
  })

  test('accountRegister answers every field of its (always null) user without an error', async () => {
    const res = await server.gql(
      `mutation($input: AccountRegisterInput!) { accountRegister(input: $input) { requiresConfirmation errors { code } user ${USER} } }`,
      { input: { email: `register-${Date.now()}@example.com`, password: 'a rather long registration passphrase' } },
    )
    assertNoErrors(res.body, 'accountRegister')
    assert.equal(res.body.data.accountRegister.user, null)
  })

  test('staffCreate and customerCreate answer the user as their staff caller reads it: note and private metadata too', async () => {
    const staffManager = await makeStaff(server.context, ['MANAGE_STAFF'])
    const created = await server.gql(
      `mutation($input: StaffCreateInput!) { staffCreate(input: $input) { errors { code } user ${USER} } }`,
      { input: { email: `new-staff-${Date.now()}@example.com`, note: 'hired for the night shift' } },
      { token: await tokenFor(server.context, staffManager.id) },
    )
    assertNoErrors(created.body, 'staffCreate')
    assert.deepEqual(created.body.data.staffCreate.errors, [])
    assert.equal(created.body.data.staffCreate.user.isStaff, true)
    assert.notEqual(created.body.data.staffCreate.user.note, null)

    const support = await makeStaff(server.context, ['MANAGE_USERS'])
    const customer = await server.gql(
      `mutation($input: CustomerInput!) { customerCreate(input: $input) { errors { code } user ${USER} } }`,
      {
        input: {
          email: `new-customer-${Date.now()}@example.com`,
          privateMetadata: [{ key: 'segment', value: 'vip' }],
        },
      },
      { token: await tokenFor(server.context, support.id) },
    )
    assertNoErrors(customer.body, 'customerCreate')
    assert.deepEqual(customer.body.data.customerCreate.user.privateMetadata, { segment: 'vip' })
    assert.deepEqual(customer.body.data.customerCreate.user.userPermissions, [])
  })

  test('the Openfront and Saleor self-service mutations answer every field of the signed-in user', async () => {
    const customer = await makeCustomer(server.context)
    const address = await makeAddress(server.context, customer.id)
    const credentials = { token: await tokenFor(server.context, customer.id) }
    const updated = await server.gql(
      `mutation { updateActiveUser(data: { name: "Robin Reader" }) ${USER} }`,
      {},
      credentials,
    )
    assertNoErrors(updated.body, 'updateActiveUser')
    assert.equal(updated.body.data.updateActiveUser.name, 'Robin Reader')
    assert.deepEqual(updated.body.data.updateActiveUser.addresses, [{ id: address.id }])

    const account = await server.gql(
      `mutation { accountUpdate(input: { lastName: "Reader" }) { errors { code } user ${USER} } }`,
      {},
      credentials,
    )
    assertNoErrors(account.body, 'accountUpdate')
    assert.equal(account.body.data.accountUpdate.user.lastName, 'Reader')

    const password = await server.gql(
      `mutation($old: String!) { updateActiveUserPassword(oldPassword: $old, newPassword: "another long passphrase here", confirmPassword: "another long passphrase here") ${USER} }`,
      { old: PASSWORD },
      credentials,
    )
    assertNoErrors(password.body, 'updateActiveUserPassword')
    assert.deepEqual(password.body.data.updateActiveUserPassword.addresses, [{ id: address.id }])
  })
})

// ---------------------------------------------------------------------------------------------
// 3. no suggestions without introspection

describe('no error names the schema to a caller who cannot introspect', () => {
  // each shape, and the names a suggestion would have given away (names the caller wrote may be echoed)
  const shapes: [string, string, Record<string, unknown> | undefined, RegExp][] = [
    // the instance: an enum value inline
    ['an invalid enum value inline', '{ users(orderBy: [{ email: ascc }]) { id } }', undefined, /\b(asc|desc)\b/],
    // variations: the same value through a variable, an input field, an argument, a type, a field
    [
      'an invalid enum value in a variable',
      'query($order: [UserOrderByInput!]!) { users(orderBy: $order) { id } }',
      { order: [{ email: 'ascc' }] },
      /\b(asc|desc)\b/,
    ],
    ['an unknown input field', '{ users(where: { emial: { equals: "a" } }) { id } }', undefined, /\bemail\b/],
    ['an unknown argument', '{ users(wher: {}) { id } }', undefined, /"where"|orderBy|\btake\b/],
    [
      'an unknown type in a variable',
      'query($w: UserWhereInpt) { users(where: $w) { id } }',
      undefined,
      /UserWhereInput\b|WhereUniqueInput/,
    ],
    ['an unknown field', '{ usrs { id } }', undefined, /\busers?\b/],
    ['an unknown field on a type', '{ channels { slg } }', undefined, /\bslug\b/],
    [
      'an invalid permission in a variable of a mutation',
      'mutation($p: [PermissionEnum!]) { permissionGroupCreate(input: { name: "x", addPermissions: $p }) { errors { code } } }',
      { p: ['MANAGE_USER'] },
      /MANAGE_USERS/,
    ],
  ]
  for (const [name, query, variables, suggested] of shapes) {
    test(name, async () => {
      const res = await server.gql(query, variables)
      assert.ok(res.body.errors?.length, `${name}: expected an error`)
      for (const error of res.body.errors) {
        assert.doesNotMatch(error.message, /Did you mean|Suggestion/i, error.message)
        assert.doesNotMatch(error.message, suggested)
      }
    })
  }
})

// ---------------------------------------------------------------------------------------------
// 4. malformed and unsupported bodies

async function post(path: string, headers: Record<string, string>, body: string) {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers, body })
  const text = await response.text()
  return { response, text }
}

describe('every malformed request body is answered as JSON with a code, never HTML', () => {
  const garbage =
    '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query": "Sup3r-Secret-Multipart\r\n'
  const shapes: [string, string, Record<string, string>, string, number, string][] = [
    // the instance
    [
      'garbage multipart on the API',
      '/api/graphql',
      { 'content-type': 'multipart/form-data; boundary=x' },
      garbage,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'multipart without a boundary',
      '/api/graphql',
      { 'content-type': 'multipart/form-data' },
      'Sup3r-Secret-Multipart',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    // graphql-upload is mounted on every path by Keystone
    [
      'garbage multipart on an Admin UI path',
      '/signin',
      { 'content-type': 'multipart/form-data; boundary=x' },
      garbage,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a well-formed multipart upload',
      '/api/graphql',
      { 'content-type': 'multipart/form-data; boundary=x', 'apollo-require-preflight': 'true' },
      '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ __typename }"}\r\n--x\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--x--\r\n',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'urlencoded',
      '/api/graphql',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'query=%7B__typename%7D&p=Sup3r-Secret-Form',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'text/plain',
      '/api/graphql',
      { 'content-type': 'text/plain' },
      '{"query":"{ __typename }"}',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'truncated JSON',
      '/api/graphql',
      { 'content-type': 'application/json' },
      '{"query":"Sup3r-Secret-Json',
      400,
      'BAD_REQUEST',
    ],
    [
      'JSON with a charset it cannot read',
      '/api/graphql',
      { 'content-type': 'application/json; charset=klingon' },
      '{"query":"{ __typename }"}',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'gzip that is not gzip',
      '/api/graphql',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      'Sup3r-Secret-Gzip',
      400,
      'BAD_REQUEST',
    ],
    [
      'an oversized JSON body',
      '/api/graphql',
      { 'content-type': 'application/json' },
      JSON.stringify({ query: '{ __typename }', p: 'x'.repeat(200_000) }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ]
  for (const [name, path, headers, body, status, code] of shapes) {
    test(name, async () => {
      const before = server.output().length
      const { response, text } = await post(path, headers, body)
      assert.equal(response.status, status, text.slice(0, 200))
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/)
      assert.doesNotMatch(text, /<html|<pre|<!DOCTYPE/i)
      assert.equal(JSON.parse(text).errors[0].extensions.code, code)
      await new Promise(resolve => setTimeout(resolve, 100))
      const log = server.output().slice(before)
      assert.doesNotMatch(log, /Sup3r-Secret/)
      const refused = log
        .split('\n')
        .filter(line => line.includes('"msg":"request body refused"'))
        .map(line => JSON.parse(line))
      assert.equal(refused.length, 1, log)
      assert.equal(refused[0].status, status)
      assert.equal(refused[0].requestId, response.headers.get('x-request-id'))
    })
  }

  test('ordinary requests still pass: JSON with a charset, GET with the preflight header', async () => {
    const json = await post(
      '/api/graphql',
      { 'content-type': 'application/json; charset=utf-8' },
      '{"query":"{ __typename }"}',
    )
    assert.equal(json.response.status, 200, json.text)
    const get = await fetch(`${server.url}/api/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    })
    assert.equal(get.status, 200)
  })

  test('a path nothing serves answers a JSON 404 without naming the software', async () => {
    const response = await fetch(`${server.url}/nothing/here`)
    assert.equal(response.status, 404)
    assert.equal(response.headers.get('x-powered-by'), null)
    assert.deepEqual(await response.json(), { errors: [{ message: 'Not found.', extensions: { code: 'NOT_FOUND' } }] })
  })
})

// ---------------------------------------------------------------------------------------------
// 5. CORS_ORIGINS

describe('CORS: allowed origins only, with credentials', () => {
  test('an allowed origin gets its own origin back, credentials and Vary: Origin', async () => {
    for (const origin of [ALLOWED_ORIGIN, OTHER_ALLOWED]) {
      const response = await fetch(`${server.url}/api/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ query: '{ __typename }' }),
      })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('access-control-allow-origin'), origin)
      assert.equal(response.headers.get('access-control-allow-credentials'), 'true')
      assert.match(response.headers.get('vary') ?? '', /Origin/)
      assert.match(response.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/)
    }
  })

  test('a preflight for POST with content-type and authorization is answered for an allowed origin', async () => {
    const response = await fetch(`${server.url}/api/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    })
    assert.equal(response.status, 204)
    assert.equal(response.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN)
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true')
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/)
    const allowedHeaders = (response.headers.get('access-control-allow-headers') ?? '').toLowerCase()
    assert.match(allowedHeaders, /content-type/)
    assert.match(allowedHeaders, /authorization/)
  })

  test('other origins, look-alikes and the Admin UI pages get no CORS header at all', async () => {
    const cases: [string, string, RequestInit][] = [
      [
        FOREIGN_ORIGIN,
        '/api/graphql',
        { method: 'OPTIONS', headers: { origin: FOREIGN_ORIGIN, 'access-control-request-method': 'POST' } },
      ],
      [
        FOREIGN_ORIGIN,
        '/api/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: FOREIGN_ORIGIN },
          body: '{"query":"{ __typename }"}',
        },
      ],
      // a look-alike: the allowed host as a subdomain of another, another scheme, another port, null
      [
        'https://shop.example.com.evil.net',
        '/api/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://shop.example.com.evil.net' },
          body: '{"query":"{ __typename }"}',
        },
      ],
      [
        'http://shop.example.com',
        '/api/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'http://shop.example.com' },
          body: '{"query":"{ __typename }"}',
        },
      ],
      [
        'https://shop.example.com:8443',
        '/api/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'https://shop.example.com:8443' },
          body: '{"query":"{ __typename }"}',
        },
      ],
      [
        'null',
        '/api/graphql',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: 'null' },
          body: '{"query":"{ __typename }"}',
        },
      ],
      // CORS is the API's: an allowed origin gets nothing on the probes
      [ALLOWED_ORIGIN, '/healthz', { headers: { origin: ALLOWED_ORIGIN } }],
    ]
    for (const [origin, path, init] of cases) {
      const response = await fetch(`${server.url}${path}`, init)
      response.headers.forEach((_value, name) =>
        assert.doesNotMatch(name, /^access-control-/, `${origin} ${path}: ${name}`),
      )
    }
  })

  test('the Admin UI cookie never authenticates a request from another origin, an allowed one included', async () => {
    const staff = await makeStaff(server.context, ['MANAGE_USERS'])
    const signIn = await server.gql(
      `mutation($email: String!, $password: String!) { authenticateUserWithPassword(email: $email, password: $password) { ... on UserAuthenticationWithPasswordSuccess { item { id } } } }`,
      { email: staff.email, password: PASSWORD },
    )
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';', 1)[0]!
    assert.match(cookie, /^keystonejs-session=/)
    const me = async (headers: Record<string, string>) =>
      (await server.gql('{ me { id } }', {}, { cookie, headers })).body.data?.me?.id ?? null
    // the server's own pages: no Origin, or its own
    assert.equal(await me({}), staff.id)
    assert.equal(await me({ origin: server.url }), staff.id)
    // an allowed origin, another origin, the null origin: the cookie is not a session there
    assert.equal(await me({ origin: ALLOWED_ORIGIN }), null)
    assert.equal(await me({ origin: FOREIGN_ORIGIN }), null)
    assert.equal(await me({ origin: 'null' }), null)
  })
})

// ---------------------------------------------------------------------------------------------
// 2. no response names the server software, the Admin UI's included

describe('no response of any route names the server software', () => {
  let ui: TestServer
  before(async () => {
    // SQLite only: the Admin UI is built into the SQLite server's .keystone
    ui = await startServer({ ui: true, database: 'sqlite' })
  })
  after(async () => {
    await ui?.stop()
  })

  test('Admin UI pages, public pages, Next assets, 404s, the API and the probes', async () => {
    const signin = await fetch(`${ui.url}/signin`)
    const html = await signin.text()
    const asset = /\/_next\/static\/[^"']+\.js/.exec(html)?.[0]
    assert.ok(asset, 'the sign-in page loads a Next.js asset')
    const requests: [string, RequestInit?][] = [
      // the instance: an Admin UI page
      ['/signin'],
      // variations: a redirect, a public page, a static asset, Next's 404 page, a data route, the favicon
      ['/'],
      ['/reset-password'],
      [asset],
      ['/no/such/page'],
      ['/_next/static/no-such-asset.js'],
      ['/favicon.ico'],
      ['/healthz'],
      ['/readyz'],
      [
        '/api/graphql',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' },
      ],
      [
        '/api/graphql',
        { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' },
      ],
      ['/signin', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
    ]
    for (const [path, init] of requests) {
      const response = await fetch(`${ui.url}${path}`, { redirect: 'manual', ...init })
      await response.arrayBuffer()
      assert.equal(response.headers.get('x-powered-by'), null, `${path}: X-Powered-By`)
      assert.equal(response.headers.get('server'), null, `${path}: Server`)
    }
  })
})
