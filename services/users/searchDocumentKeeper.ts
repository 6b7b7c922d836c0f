// The one owner of the search document's writes, as a database trigger would own them: a query
// extension on the Prisma client (keystone.ts gives it to the server's and every script's client)
// that follows each write of a User or an Address with the document of every user it may have
// changed, in the write's own transaction. Every path keeps it so, whoever wrote: the generated
// API and the Admin UI, nested writes, services and hooks, scripts. The seed's bulk insert skips
// Prisma, and stores searchDocumentOf's text itself.
//
// A query extension is not handed the transaction its statement runs in, so the client's
// $transaction is wrapped to remember, per async call, the transaction client it opened; a write
// outside any transaction is run again inside one. Batches ($transaction([...])) cannot take a
// follow-up statement: a write there that could change a document is refused.
import { AsyncLocalStorage } from 'node:async_hooks'
import { ADDRESS_FIELDS, USER_FIELDS, searchDocumentOf } from './searchDocument'

type Args = Record<string, any>
type Row = Record<string, any>
type Delegate = Record<string, (args: Args) => Promise<any>>
type Db = {
  user: Delegate
  address: Delegate
  $transaction: <R>(work: (tx: Db) => Promise<R>) => Promise<R>
  $queryRawUnsafe?: (sql: string, ...values: unknown[]) => Promise<unknown>
}
type Operation = {
  model?: string
  operation: string
  args: Args
  query: (args: Args) => Promise<any>
  __internalParams: { transaction?: { kind: string } }
}
type Extendable = { $extends: (extension: object) => object }

const DELEGATES: Record<string, 'user' | 'address'> = { User: 'user', Address: 'address' }
const SEARCHED_BY_MODEL = { User: [...USER_FIELDS, 'addresses'], Address: [...ADDRESS_FIELDS, 'user', 'userId'] }

// the interactive transaction each async call runs in (a query extension is told only that there is one)
const openTransactions = new AsyncLocalStorage<Db>()

/** The client, extended so that every write through it keeps the search documents it changes. */
export function keepSearchDocuments<T extends object>(client: T): T {
  const extended = (client as unknown as Extendable).$extends({
    query: { $allModels: { $allOperations: (operation: Operation) => keep(operation, tracked) } },
  })
  const tracked = new Proxy(extended as Db, {
    get(target, key) {
      const value = Reflect.get(target, key)
      if (key !== '$transaction') return value
      // awaited inside run(): a Prisma query starts when awaited, and must find its transaction then
      return (work: unknown, options?: unknown) =>
        typeof work === 'function'
          ? value.call(target, (tx: Db) => openTransactions.run(tx, async () => await work(tx)), options)
          : value.call(target, work, options)
    },
  })
  return tracked as unknown as T
}

async function keep(operation: Operation, client: Db): Promise<unknown> {
  const { model, operation: action, args } = operation
  const delegate = model ? DELEGATES[model] : undefined
  if (!delegate || !changesDocuments(model!, action, args)) return operation.query(args)
  // a new user's document is known from its own row, unless the write also gives it addresses
  if (model === 'User' && action.startsWith('create') && !args.data?.addresses) {
    const data = Array.isArray(args.data) ? args.data.map(withOwnDocument) : withOwnDocument(args.data)
    return operation.query({ ...args, data })
  }
  const transaction = operation.__internalParams.transaction
  if (!transaction) return client.$transaction(tx => tx[delegate]![action]!(args))
  if (transaction.kind !== 'itx')
    throw new Error(`${model}.${action} changes search documents: run it in an interactive transaction, not a batch`)
  const tx = openTransactions.getStore()
  if (!tx) throw new Error(`${model}.${action} runs in a transaction this client did not open`)
  return writeAndRefresh(operation, tx)
}

// whether the write can change any user's document: deletes and creates always, updates by their fields
function changesDocuments(model: string, action: string, args: Args): boolean {
  if (model === 'User' && action.startsWith('delete')) return false
  if (action.startsWith('create') || action.startsWith('delete') || action === 'upsert') return true
  if (!action.startsWith('update')) return false
  const searched = SEARCHED_BY_MODEL[model as keyof typeof SEARCHED_BY_MODEL]
  return Object.keys(args.data ?? {}).some(key => (searched as readonly string[]).includes(key))
}

function withOwnDocument(data: Row): Row {
  return { ...data, searchDocument: searchDocumentOf(data, []) }
}

// the write, then the documents of the users it touched: those its rows belonged to before
// (an address moved or deleted) and after
async function writeAndRefresh(operation: Operation, tx: Db): Promise<unknown> {
  const { model, operation: action } = operation
  const single = !action.endsWith('Many') && !action.endsWith('AndReturn')
  const key = model === 'User' ? 'id' : 'userId'
  const args = operation.args
  const before = await ownersBefore(model!, action, args, tx)
  const { args: selecting, added } = single ? selectingKey(args, key) : { args, added: false }
  const result = await operation.query(selecting)
  const after = single ? [result?.[key]] : model === 'Address' ? [args.data].flat().map(data => data?.userId) : []
  const documents = await refreshSearchDocuments(tx, [...before, ...after])
  if (single && model === 'User' && result && 'searchDocument' in result && documents.has(result.id))
    result.searchDocument = documents.get(result.id)
  if (added) delete result?.[key]
  return result
}

// the users whose rows a write may take away: a bulk write's matches, an address's owner before
// it moves, an address another user's nested write connects
async function ownersBefore(model: string, action: string, args: Args, tx: Db): Promise<unknown[]> {
  if (model === 'User') {
    if (action === 'updateMany' || action === 'updateManyAndReturn')
      return (await tx.user.findMany!({ where: args.where, select: { id: true } })).map((row: Row) => row.id)
    const taken = [args.data?.addresses?.connect, args.data?.addresses?.set, args.update?.addresses?.connect].flat()
    const wheres = taken.filter(Boolean)
    if (!wheres.length) return []
    return (await tx.address.findMany!({ where: { OR: wheres }, select: { userId: true } })).map(
      (row: Row) => row.userId,
    )
  }
  if (action === 'update' || action === 'upsert')
    return [(await tx.address.findUnique!({ where: args.where, select: { userId: true } }))?.userId]
  if (action.startsWith('updateMany') || action === 'deleteMany')
    return (await tx.address.findMany!({ where: args.where, select: { userId: true } })).map((row: Row) => row.userId)
  return []
}

// a single write's result must name its user: asked for when a `select` would leave it out
function selectingKey(args: Args, key: string): { args: Args; added: boolean } {
  if (!args.select || args.select[key]) return { args, added: false }
  return { args: { ...args, select: { ...args.select, [key]: true } }, added: true }
}

// WARNING: PostgreSQL (READ COMMITTED) reads each statement from its own snapshot: a document read
// while another transaction's change of the same user's addresses is uncommitted would be written
// over that change once it commits (a deleted address kept, an address moved away still found).
// The users' rows are locked first, in id order, so the reads below wait for that change and see
// it. SQLite runs one write transaction at a time (database.ts).
async function lockUsers(tx: Db, ids: string[]): Promise<void> {
  if (!ids.length || (tx as unknown as { _activeProvider?: string })._activeProvider !== 'postgresql') return
  await tx.$queryRawUnsafe!('SELECT "id" FROM "User" WHERE "id" = ANY($1::text[]) ORDER BY "id" FOR NO KEY UPDATE', ids)
}

const USER_SELECT = Object.fromEntries([...USER_FIELDS, 'searchDocument'].map(field => [field, true]))
const ADDRESS_SELECT = Object.fromEntries(ADDRESS_FIELDS.map(field => [field, true]))

/** Write each user's document as its row and addresses now read; gives the documents by user id. */
async function refreshSearchDocuments(tx: Db, userIds: unknown[]): Promise<Map<string, string>> {
  const documents = new Map<string, string>()
  const ids = [...new Set(userIds.filter((id): id is string => typeof id === 'string'))].sort()
  await lockUsers(tx, ids)
  for (const id of ids) {
    const user = await tx.user.findUnique!({
      where: { id },
      select: { ...USER_SELECT, addresses: { select: ADDRESS_SELECT, orderBy: { id: 'asc' } } },
    })
    if (!user) continue
    const searchDocument = searchDocumentOf(user, user.addresses)
    if (searchDocument !== user.searchDocument) await tx.user.update!({ where: { id }, data: { searchDocument } })
    documents.set(id, searchDocument)
  }
  return documents
}
