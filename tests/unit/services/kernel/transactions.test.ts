// The unit of work (services/kernel/transactions.ts): one transaction however deep the calls, and
// what the work queued announced to its workers once, after the outermost commit, never after a
// rollback, never before the commit.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Context } from '../../../../generated/keystone/types'
import { afterCommit, inTransaction } from '../../../../services/kernel'

// a context as Keystone's: its transaction's context has a client without $transaction
function fakeContext(log: string[]): Context {
  const tx = { prisma: {} } as unknown as Context
  return {
    prisma: { $transaction: () => undefined },
    transaction: async (work: (tx: Context) => Promise<unknown>) => {
      log.push('begin')
      try {
        const result = await work(tx)
        log.push('commit')
        return result
      } catch (error) {
        log.push('rollback')
        throw error
      }
    },
  } as unknown as Context
}

describe('inTransaction', () => {
  test('wakes each worker once, after the outermost commit, however many writes asked', async () => {
    const log: string[] = []
    const context = fakeContext(log)
    const outbox = () => log.push('wake outbox')
    const webhooks = () => log.push('wake webhooks')
    const result = await inTransaction(context, async tx => {
      afterCommit(outbox)
      // a service called from inside another's transaction joins it
      await inTransaction(tx, async () => {
        afterCommit(outbox)
        afterCommit(webhooks)
      })
      log.push('work done')
      return 42
    })
    assert.equal(result, 42)
    assert.deepEqual(log, ['begin', 'work done', 'commit', 'wake outbox', 'wake webhooks'])
  })

  test('a rollback wakes nothing', async () => {
    const log: string[] = []
    await assert.rejects(
      inTransaction(fakeContext(log), async () => {
        afterCommit(() => log.push('wake'))
        throw new Error('refused')
      }),
      /refused/,
    )
    assert.deepEqual(log, ['begin', 'rollback'])
  })

  test('a write outside any unit committed by itself, and wakes at once', () => {
    const log: string[] = []
    afterCommit(() => log.push('wake'))
    assert.deepEqual(log, ['wake'])
  })

  test('two units side by side wake after their own commits', async () => {
    const log: string[] = []
    const context = fakeContext(log)
    await Promise.all(
      ['a', 'b'].map(name =>
        inTransaction(context, async () => {
          await new Promise(resolve => setTimeout(resolve, name === 'a' ? 20 : 0))
          afterCommit(() => log.push(`wake ${name}`))
        }),
      ),
    )
    assert.equal(log.filter(line => line === 'commit').length, 2)
    assert.ok(log.indexOf('wake b') > log.indexOf('commit'), 'b wakes after a commit')
    assert.equal(log.at(-1), 'wake a', 'a wakes after its own, later, commit')
  })
})
