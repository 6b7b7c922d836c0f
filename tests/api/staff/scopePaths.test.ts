// One scope rule, every path: a custom mutation and Keystone's generated one refuse the same change
// with the same problem, and a sudo write through the list API is judged like any other unless a
// module made it on the trusted path (services/kernel/trusted.ts).
import '../../helpers/env'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { DEFAULT_DATABASE, startServer, type TestServer } from '../../helpers/server'
import { tokenFor } from '../../helpers/actors'
import { makePermissionGroup, makeStaff } from '../../helpers/factories'
import { PERMISSIONS } from '../../../services/identity/permissionCodes'
import { loadSessionUser, sessionOf, type Session } from '../../../services/identity'
import { isTrusted, trusted } from '../../../services/kernel'
import { judgeStaffChange } from '../../../services/staff'

const STAFF_UPDATE =
  'mutation($id: ID!, $i: StaffUpdateInput!) { r: staffUpdate(id: $id, input: $i) { errors { code field message } } }'
const STAFF_CREATE = 'mutation($i: StaffCreateInput!) { r: staffCreate(input: $i) { errors { code field message } } }'
const UPDATE_USER = 'mutation($id: ID!, $d: UserUpdateInput!) { r: updateUser(where: { id: $id }, data: $d) { id } }'
const CREATE_USER = 'mutation($d: UserCreateInput!) { r: createUser(data: $d) { id } }'

let server: TestServer
const w: Record<string, { id: string; token: string }> = {}
let full = ''

before(async () => {
  server = await startServer()
  const c = server.context
  const boss = await makeStaff(c, [])
  full = (await makePermissionGroup(c, [...PERMISSIONS], { users: { connect: [{ id: boss.id }] } })).id
  for (const [name, user] of Object.entries({
    boss,
    manager: await makeStaff(c, ['MANAGE_STAFF', 'MANAGE_USERS']),
    clerk: await makeStaff(c, ['MANAGE_USERS']),
    support: await makeStaff(c, ['MANAGE_USERS']),
  }))
    w[name] = { id: user.id, token: await tokenFor(c, user.id) }
})

after(async () => {
  await server?.stop()
})

async function sessionOfUser(id: string): Promise<Session> {
  return sessionOf((await loadSessionUser(server.context, { id }))!, 'jwt')
}

// the refusals of a custom mutation as the `CODE: message` lines the generated mutations report
function asValidationLines(errors: { code: string; message: string }[]): string[] {
  return errors.map(e => `${e.code}: ${e.message}`)
}

function linesOf(generatedErrors: { message: string }[] | undefined): string[] {
  return (generatedErrors ?? [])
    .flatMap(e => e.message.split('\n'))
    .map(line => line.replace(/^\s*- User: /, ''))
    .filter(line => /^[A-Z_]+: /.test(line))
}

test('staffUpdate and the generated updateUser refuse the same group change with the same problem', async () => {
  // given a manager (MANAGE_STAFF, MANAGE_USERS) and a group holding every permission
  const before = await server.context.prisma.permissionGroup.count({ where: { users: { some: { id: w.clerk!.id } } } })
  // when each path adds the clerk to that group
  const custom = await server.gql(
    STAFF_UPDATE,
    { id: w.clerk!.id, i: { addGroups: [full] } },
    { token: w.manager!.token },
  )
  const generated = await server.gql(
    UPDATE_USER,
    { id: w.clerk!.id, d: { permissionGroups: { connect: [{ id: full }] } } },
    { token: w.manager!.token },
  )
  // then both refuse it with OUT_OF_SCOPE_GROUP and the same message, and nothing changed
  const expected = asValidationLines(custom.body.data.r.errors)
  assert.deepEqual(
    custom.body.data.r.errors.map((e: { code: string }) => e.code),
    ['OUT_OF_SCOPE_GROUP'],
  )
  assert.equal(generated.body.data?.r ?? null, null)
  assert.deepEqual(linesOf(generated.body.errors), expected)
  assert.equal(
    await server.context.prisma.permissionGroup.count({ where: { users: { some: { id: w.clerk!.id } } } }),
    before,
  )
})

test('staffCreate and the generated createUser refuse the same new staff user with the same problem', async () => {
  // when the manager creates a staff user in the group wider than itself, on each path
  const custom = await server.gql(
    STAFF_CREATE,
    { i: { email: 'wide-custom@example.com', addGroups: [full] } },
    { token: w.manager!.token },
  )
  const generated = await server.gql(
    CREATE_USER,
    { d: { email: 'wide-generated@example.com', isStaff: true, permissionGroups: { connect: [{ id: full }] } } },
    { token: w.manager!.token },
  )
  // then
  assert.deepEqual(
    custom.body.data.r.errors.map((e: { code: string; field: string }) => [e.code, e.field]),
    [['OUT_OF_SCOPE_GROUP', 'addGroups']],
  )
  assert.equal(generated.body.data?.r ?? null, null)
  assert.deepEqual(linesOf(generated.body.errors), asValidationLines(custom.body.data.r.errors))
  assert.equal(
    await server.context.prisma.user.count({
      where: { email: { in: ['wide-custom@example.com', 'wide-generated@example.com'] } },
    }),
    0,
  )
})

test('a plain sudo() write from a support session cannot mint a superuser: the scope rules still judge it', async () => {
  // given support staff (MANAGE_USERS only) and a sudo context carrying its session
  const sudo = server.context.withSession(await sessionOfUser(w.support!.id)).sudo()
  // when it creates a superuser and adds itself to the group with every permission through the list API
  const minted = await sudo.db.User.createOne({
    data: { email: 'sudo-root@example.com', isStaff: true, isSuperuser: true },
  }).then(
    () => null,
    e => e,
  )
  const joined = await sudo.db.User.updateOne({
    where: { id: w.support!.id },
    data: { permissionGroups: { connect: [{ id: full }] } },
  }).then(
    () => null,
    e => e,
  )
  // then both are refused by the validate hooks, with the scope codes, and nothing was written
  assert.match(String(minted?.message), /OUT_OF_SCOPE_PERMISSION: Creating a staff user requires MANAGE_STAFF/)
  assert.match(
    String(minted?.message),
    /OUT_OF_SCOPE_PERMISSION: Only a superuser may grant or remove superuser status/,
  )
  assert.match(String(joined?.message), /OUT_OF_SCOPE_GROUP/)
  assert.equal(await server.context.prisma.user.count({ where: { email: 'sudo-root@example.com' } }), 0)
  assert.equal(
    await server.context.prisma.permissionGroup.count({ where: { id: full, users: { some: { id: w.support!.id } } } }),
    0,
  )
})

test('a sudo() write with no session at all is refused where scope is needed (fails closed)', async () => {
  // when
  const group = await server.context
    .sudo()
    .db.PermissionGroup.createOne({ data: { name: 'sudo group', permissions: ['MANAGE_STAFF'] } })
    .then(
      () => null,
      e => e,
    )
  // then
  assert.match(String(group?.message), /OUT_OF_SCOPE_PERMISSION: Managing permission groups requires MANAGE_STAFF/)
  assert.equal(await server.context.prisma.permissionGroup.count({ where: { name: 'sudo group' } }), 0)
})

test("only a context made by trusted() is trusted, and the actor's own session is not marked by it", async () => {
  // given the support session
  const session = await sessionOfUser(w.support!.id)
  // when a trusted context is made for it, and kept through transaction() and sudo()
  const made = trusted(server.context, session)
  const kept = await made.transaction(async tx => isTrusted(tx.sudo()))
  // then
  assert.equal(isTrusted(made), true)
  assert.equal(kept, true)
  assert.equal(made.session?.itemId, w.support!.id)
  assert.equal(isTrusted(server.context.sudo()), false)
  assert.equal(isTrusted(server.context.withSession(session).sudo()), false)
})

const SCOPE_LOCKS = "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 727010"

const POSTGRES_ONLY = { skip: DEFAULT_DATABASE !== 'postgresql' && 'PostgreSQL only' }

test('on PostgreSQL a judgement holds the scope lock until the writing transaction ends', POSTGRES_ONLY, async () => {
  // when a change is judged inside a transaction
  const during = await server.context.transaction(async tx => {
    await judgeStaffChange(tx, await sessionOfUser(w.manager!.id), { users: [{ kind: 'update', userId: w.clerk!.id }] })
    return tx.prisma.$queryRawUnsafe<{ n: number }[]>(`${SCOPE_LOCKS} AND pid = pg_backend_pid()`)
  })
  // then its connection held the lock, and nobody holds it after the commit
  assert.equal(during[0]!.n, 1)
  assert.equal((await server.context.prisma.$queryRawUnsafe<{ n: number }[]>(SCOPE_LOCKS))[0]!.n, 0)
})
