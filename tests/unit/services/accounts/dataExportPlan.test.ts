// services/accounts/dataExportPlan.ts: the data export's allow-list places every column of User and
// every list that refers to a user, read from Prisma's data model; a new column or list that the plan
// does not name (exported, or excluded with a reason) fails here, before it can leak or be forgotten.
import '../../../helpers/env'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { dataModelOf } from '../../../helpers/dataModel'
import { USER_COLUMNS, USER_RELATIONS, selectFor, type ColumnPlan } from '../../../../services/accounts/dataExportPlan'

const model = dataModelOf()
const scalars = (name: string) => model[name]!.fields.filter(f => f.kind === 'scalar').map(f => f.name)

function assertPlaced(where: string, planned: Record<string, ColumnPlan>, columns: string[]): void {
  assert.deepEqual(Object.keys(planned).sort(), [...columns].sort(), `${where}: the plan names exactly its columns`)
  for (const [column, plan] of Object.entries(planned))
    if (typeof plan === 'object')
      assert.ok(plan.excluded.trim().length > 10, `${where}.${column} says why it is left out`)
}

test('every column of User is exported or excluded with a reason', () => {
  assertPlaced('User', USER_COLUMNS, scalars('User'))
})

test('every relation of User, and so every list that refers to a user, is placed', () => {
  const relations = model.User!.fields.filter(f => f.kind === 'object')
  assert.deepEqual(Object.keys(USER_RELATIONS).sort(), relations.map(f => f.name).sort())
  // and from the other side: every model with a field pointing at User is reached by one of them
  const pointing = Object.entries(model).filter(([name, m]) => name !== 'User' && m.fields.some(f => f.type === 'User'))
  for (const [name] of pointing)
    assert.ok(
      relations.some(f => f.type === name),
      `${name} refers to User through a relation the plan places`,
    )
})

test("each exported list's columns are exported or excluded with a reason", () => {
  for (const [field, plan] of Object.entries(USER_RELATIONS)) {
    if ('excluded' in plan) {
      assert.ok(plan.excluded.trim().length > 10, `${field} says why it is left out`)
      continue
    }
    const target = model.User!.fields.find(f => f.name === field)!.type
    assert.equal(plan.model, target, `${field} is a relation to ${target}`)
    assertPlaced(target, plan.columns, scalars(target))
  }
})

test('no secret column is ever selected, for either audience', () => {
  const secrets = [
    ['User', 'password'],
    ['User', 'jwtTokenKey'],
    ['User', 'customerTokenHash'],
    ['User', 'totpSecret'],
    ['User', 'totpPendingSecret'],
    ['OutboxMail', 'sealedSecrets'],
    ['OutboxMail', 'params'],
    ['OneTimeToken', 'tokenHash'],
    ['AuthSession', 'tokenKey'],
    ['AuthChallenge', 'challengeHash'],
    ['RecoveryCode', 'codeHash'],
    ['PasskeyCredential', 'publicKey'],
  ] as const
  for (const audience of ['self', 'staff'] as const) {
    for (const [list, column] of secrets) {
      const columns =
        list === 'User'
          ? USER_COLUMNS
          : Object.values(USER_RELATIONS).find(p => !('excluded' in p) && p.model === list)!
      const planned = 'columns' in columns ? (columns.columns as Record<string, ColumnPlan>) : USER_COLUMNS
      assert.equal(selectFor(planned, audience)[column], undefined, `${list}.${column} for ${audience}`)
    }
  }
  // the shop's notes and private metadata go to staff only
  assert.equal(selectFor(USER_COLUMNS, 'self').privateMetadata, undefined)
  assert.equal(selectFor(USER_COLUMNS, 'self').note, undefined)
  assert.equal(selectFor(USER_COLUMNS, 'staff').privateMetadata, true)
})
