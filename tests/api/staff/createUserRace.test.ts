// customerCreate and staffCreate under a race: simultaneous creations of one new email make one
// user, and every other caller gets UNIQUE on email, as a taken email gets, never a database error.
import '../../helpers/env'
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { TEST_DATABASES, databaseSkipReason, startServer, type TestServer } from '../../helpers/server'
import { makeSuperuser } from '../../helpers/factories'
import { tokenFor } from '../../helpers/actors'

const CUSTOMER_CREATE = `mutation($input: CustomerInput!) { customerCreate(input: $input) { user { id } errors { field code } } }`
const STAFF_CREATE = `mutation($input: StaffCreateInput!) { staffCreate(input: $input) { user { id } errors { field code } } }`

// simultaneous HTTP requests for the same new email
const RACE_REQUESTS = 20

type Answer = { user: { id: string } | null; errors: { field: string | null; code: string }[] }

function assertOneCreatedOthersUnique(
  responses: { status: number; body: any }[],
  field: 'customerCreate' | 'staffCreate',
) {
  const unexpected = responses.filter(response => response.status !== 200 || response.body.errors !== undefined)
  assert.deepEqual(
    unexpected.map(response => response.body),
    [],
    'no caller gets a top-level error',
  )
  const answers: Answer[] = responses.map(response => response.body.data[field])
  assert.equal(answers.filter(answer => answer.user !== null && answer.errors.length === 0).length, 1)
  for (const answer of answers.filter(answer => answer.user === null)) {
    assert.deepEqual(answer.errors, [{ field: 'email', code: 'UNIQUE' }])
  }
}

for (const database of TEST_DATABASES) {
  describe(`on ${database}`, { skip: databaseSkipReason(database) }, () => {
    let server: TestServer
    let token: string

    before(async () => {
      server = await startServer({ database })
      const superuser = await makeSuperuser(server.context)
      token = await tokenFor(server.context, String(superuser.id))
    })
    after(async () => {
      await server?.stop()
    })

    test(`customerCreate sent ${RACE_REQUESTS} times at once for one new email creates one customer and answers the others UNIQUE on email`, async () => {
      // given
      const email = `customer-race-${database}@example.com`

      // when
      const responses = await Promise.all(
        Array.from({ length: RACE_REQUESTS }, () => server.gql(CUSTOMER_CREATE, { input: { email } }, { token })),
      )

      // then
      assertOneCreatedOthersUnique(responses, 'customerCreate')
      const users = await server.context.prisma.user.findMany({ where: { email } })
      assert.equal(users.length, 1)
      assert.equal(
        await server.context.prisma.accountEvent.count({
          where: { type: 'ACCOUNT_CREATED_FROM_STAFF', userId: users[0]!.id },
        }),
        1,
      )
      assert.equal(
        await server.context.prisma.accountEvent.count({ where: { type: 'ACCOUNT_CREATED_FROM_STAFF', userId: null } }),
        0,
      )
    })

    test(`staffCreate sent ${RACE_REQUESTS} times at once for one new email creates one staff user and answers the others UNIQUE on email`, async () => {
      // given
      const email = `staff-race-${database}@example.com`

      // when
      const responses = await Promise.all(
        Array.from({ length: RACE_REQUESTS }, () =>
          server.gql(STAFF_CREATE, { input: { email, addGroups: [] } }, { token }),
        ),
      )

      // then
      assertOneCreatedOthersUnique(responses, 'staffCreate')
      const users = await server.context.prisma.user.findMany({ where: { email } })
      assert.equal(users.length, 1)
      assert.equal(users[0]!.isStaff, true)
    })

    test('customerCreate with an external reference another user has answers UNIQUE on externalReference', async () => {
      // given
      const first = await server.gql(
        CUSTOMER_CREATE,
        { input: { email: `first-ref-${database}@example.com`, externalReference: `ERP-${database}` } },
        { token },
      )
      assert.deepEqual(first.body.data.customerCreate.errors, [])

      // when
      const second = await server.gql(
        CUSTOMER_CREATE,
        { input: { email: `second-ref-${database}@example.com`, externalReference: `ERP-${database}` } },
        { token },
      )

      // then
      assert.equal(second.body.errors, undefined)
      assert.deepEqual(second.body.data.customerCreate, {
        user: null,
        errors: [{ field: 'externalReference', code: 'UNIQUE' }],
      })
      assert.equal(
        await server.context.prisma.user.count({ where: { email: `second-ref-${database}@example.com` } }),
        0,
      )
    })
  })
}
