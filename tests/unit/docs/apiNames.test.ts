// docs/API.md, the contract, against the committed schema.graphql: every name it writes in
// backticks that has the shape of one of our GraphQL names (a root field called with its
// arguments, a selection, a payload after `→`, a type, an enum value, a field) exists there, with
// the arguments and fields the text gives it. What the contract names but is not built yet is
// listed below by name, and each of those names is checked to be absent: when one lands, this
// test fails until it leaves the list. Settings are checked against .env.example, event names
// against their closed lists; every other word in backticks is one of the words listed as
// "not a GraphQL name", so a misspelt name cannot pass for prose.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLType,
} from 'graphql'
import { ACCOUNT_EVENT_TYPES } from '../../../services/users/accountEvents'
import { WEBHOOK_EVENTS } from '../../../services/messaging/webhookEvents'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const API = readFileSync(path.join(ROOT, 'docs/API.md'), 'utf8')
const schema = buildSchema(readFileSync(path.join(ROOT, 'schema.graphql'), 'utf8'))
const SETTINGS = new Set(
  [...readFileSync(path.join(ROOT, '.env.example'), 'utf8').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(m => m[1]!),
)

// What the contract names but is not built yet: nothing of sections 9 and 10 now (sessions and
// refresh rotation since issue 19, second factors and passkeys since issue 20, external identity,
// impersonation and data export since issue 21). Each entry must be absent today (Type, Type.field
// or Enum.VALUE in schema.graphql; a setting in .env.example; an event in the closed lists); when
// one is built, take it out.
export const NOT_BUILT = {
  schema: [] as string[],
  settings: [] as string[],
  events: [] as string[],
  // arguments and payload fields of the fields above, written alone in the text: no name in the schema
  words: ['redirectUri'],
}

// words in backticks that have a name's shape but are not GraphQL names of ours
const NOT_GRAPHQL = new Set([
  // JWT claims and RFC 8176 authentication methods
  'sid', 'amr', 'gen', 'csrf_token', 'act', 'iss', 'exp', 'pwd', 'otp', 'hwk', 'mfa', 'ext', 'imp',
  // the OIDC_PROVIDERS entries and the OpenID flow's own words (section 10)
  'issuer', 'scopes', 'acr', 'staff', 'domains', 'groupClaim', 'nonce', 'state', 'openid', 'given_name', 'family_name',
  // values, hosts and other vocabularies
  'true', 'false', 'localhost', 'Bearer', 'ENABLED', 'CUSTOMERS_ONLY', 'DISABLED',
  'NODE_ENV', 'KS_ACCESS_DENIED', 'is_staff',
  // a benchmark scenario's name (section 8)
  'seed',
  // the parameters of account events and their webhooks (section 9)
  'session_id', 'kept_session_id', 'revokedBy', 'recovery_codes_left', 'passkey_id',
  // Saleor's, WebAuthn's and @simplewebauthn's names, quoted for comparison
  'CustomerEvent', 'SaleorExternalAuth', 'PublicKeyCredentialCreationOptionsJSON', 'RegistrationResponseJSON',
  'allowCredentials',
]) // prettier-ignore

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const UPPER = /^[A-Z][A-Z0-9_]*$/
const PASCAL = /^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/

function typeOf(name: string): GraphQLNamedType | undefined {
  return schema.getType(name) ?? undefined
}

function fieldsOf(type: GraphQLNamedType | undefined): Record<string, { type: GraphQLType }> {
  if (type && (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type))) return type.getFields()
  return {}
}

function rootField(name: string): GraphQLField<unknown, unknown> | undefined {
  return schema.getMutationType()?.getFields()[name] ?? schema.getQueryType()?.getFields()[name]
}

const notBuilt = new Set(NOT_BUILT.schema)
const isNotBuiltRoot = (name: string) => notBuilt.has(`Mutation.${name}`) || notBuilt.has(`Query.${name}`)

// every name the schema holds: types, fields, arguments, input fields, enum values
const schemaNames = new Set<string>()
for (const type of Object.values(schema.getTypeMap())) {
  schemaNames.add(type.name)
  if (isEnumType(type)) for (const value of type.getValues()) schemaNames.add(value.name)
  for (const [name, field] of Object.entries(fieldsOf(type))) {
    schemaNames.add(name)
    for (const arg of (field as { args?: { name: string }[] }).args ?? []) schemaNames.add(arg.name)
  }
}

type Span = { text: string; section: string; paragraph: string; index: number }

// each backtick span with the section heading and the paragraph (or list item) it stands in
function spans(markdown: string): Span[] {
  const found: Span[] = []
  let section = ''
  for (const block of markdown.split(/\n(?=\s*\n)|\n(?=- )|\n(?=#)/)) {
    const heading = /^#+\s*(.*)$/m.exec(block.trim())
    if (heading && block.trim().startsWith('#')) section = heading[1]!
    for (const match of block.matchAll(/`([^`]+)`/g))
      found.push({
        text: match[1]!.replace(/\s+/g, ' '),
        section,
        paragraph: block,
        index: markdown.indexOf(block) + match.index,
      })
  }
  return found
}

// top-level parts of an argument list: `a, b: { c, d }, e` → ['a', 'b: { c, d }', 'e']
function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const char of text) {
    if ('{[('.includes(char)) depth++
    if ('}])'.includes(char)) depth--
    if (char === ',' && depth === 0) {
      parts.push(current.trim())
      current = ''
    } else current += char
  }
  if (current.trim()) parts.push(current.trim())
  return parts
}

// a selection as the contract writes it (`{ a b { c } d: Type }`, `…` for "and so on") checked
// against a type: returns every name that is neither in the schema nor listed as not built
function checkSelection(typeName: string, selection: string): string[] {
  const problems: string[] = []
  // a field's type written beside it (`errors: [AccountError!]!`): the type must exist too
  const cleaned = selection.replace(/:\s*\[?([A-Za-z]\w*)!?\]?!?/g, (_, type: string) => {
    if (!typeOf(type) && !notBuilt.has(type)) problems.push(`type ${type}`)
    return ''
  })
  const tokens = cleaned.match(/[A-Za-z_]\w*|[{}]|…|\.\.\./g) ?? []
  const stack: (GraphQLNamedType | undefined)[] = []
  // the selection opens with its own brace, which enters the type itself
  let current: GraphQLNamedType | undefined
  let last: GraphQLNamedType | undefined = typeOf(typeName)
  let lastSkipped = false
  let skipDepth = 0
  for (const token of tokens) {
    if (token === '{') {
      stack.push(current)
      current = lastSkipped ? undefined : last
      if (lastSkipped || skipDepth > 0) skipDepth++
      continue
    }
    if (token === '}') {
      current = stack.pop()
      if (skipDepth > 0) skipDepth--
      continue
    }
    if (token === '…' || token === '...') continue
    if (skipDepth > 0 || !current) {
      lastSkipped = true
      continue
    }
    const field = fieldsOf(current)[token]
    if (field) {
      last = getNamedType(field.type)
      lastSkipped = false
    } else if (notBuilt.has(`${current.name}.${token}`)) {
      // a field not built yet: what is selected inside it is part of it
      lastSkipped = true
    } else {
      problems.push(`${current.name}.${token}`)
      lastSkipped = true
    }
  }
  return problems
}

// `name(args…)`, optionally followed by a selection: a root field with the arguments given
function checkCall(text: string): string[] | undefined {
  const call = /^([a-z]\w*)\((.*?)\)\s*(\{.*\})?$/.exec(text)
  if (!call) return undefined
  const [, name, args, selection] = call as unknown as [string, string, string, string | undefined]
  if (isNotBuiltRoot(name)) return []
  const field = rootField(name)
  if (!field) return [`root field ${name}`]
  const problems: string[] = []
  for (const part of splitTopLevel(args)) {
    if (part === '...' || part === '…') continue
    const [argName, argType] = part.split(/:(.*)/s).map(s => s.trim()) as [string, string | undefined]
    if (!NAME.test(argName)) {
      problems.push(`${name}(${part})`)
      continue
    }
    if (!field.args.some(arg => arg.name === argName)) problems.push(`${name}(${argName})`)
    const named = argType && /^\[?([A-Z]\w*)!?\]?!?$/.exec(argType)
    if (named && !typeOf(named[1]!) && !notBuilt.has(named[1]!)) problems.push(`type ${named[1]}`)
  }
  if (selection) problems.push(...checkSelection(getNamedType(field.type).name, selection))
  return problems
}

function checkWord(span: Span): string[] {
  const { text, paragraph } = span
  if (NOT_GRAPHQL.has(text)) return []
  // the enumerations the contract spells out: each name a value of its enum
  if (UPPER.test(text) && /^- Payload errors:|New `AccountErrorCode` values/.test(paragraph.trim()))
    return typeEnumHas('AccountErrorCode', text) ? [] : [`AccountErrorCode.${text}`]
  if (UPPER.test(text) && paragraph.trim().startsWith('`PermissionEnum`:'))
    return typeEnumHas('PermissionEnum', text) ? [] : [`PermissionEnum.${text}`]
  if (UPPER.test(text)) {
    if (schemaNames.has(text) || SETTINGS.has(text)) return []
    if ((ACCOUNT_EVENT_TYPES as readonly string[]).includes(text)) return []
    if ((WEBHOOK_EVENTS as readonly string[]).includes(text)) return []
    if (NOT_BUILT.settings.includes(text) || NOT_BUILT.events.includes(text)) return []
    if (NOT_BUILT.schema.some(entry => entry.endsWith(`.${text}`))) return []
    return [text]
  }
  if (PASCAL.test(text) || /^[a-z]\w*$/.test(text)) {
    if (schemaNames.has(text) || rootField(text)) return []
    if (isNotBuiltRoot(text) || notBuilt.has(text) || NOT_BUILT.words.includes(text)) return []
    if (NOT_BUILT.schema.some(entry => entry.endsWith(`.${text}`))) return []
    return [text]
  }
  return []
}

function typeEnumHas(enumName: string, value: string): boolean {
  const type = typeOf(enumName)
  if (type && isEnumType(type) && type.getValue(value)) return true
  return notBuilt.has(`${enumName}.${value}`)
}

/** Every name in the contract's backticks that the schema (or the lists above) does not hold. */
export function unknownNames(markdown: string): string[] {
  const problems: string[] = []
  const all = spans(markdown)
  for (const span of all) {
    const text = span.text.trim()
    const called = checkCall(text)
    if (called) {
      problems.push(...called)
      continue
    }
    // `me { … }`, `user(where: …) { … }` handled above; a root field with a selection
    const selected = /^([a-z]\w*)\s*(\{.*\})$/.exec(text)
    if (selected) {
      const field = rootField(selected[1]!)
      if (isNotBuiltRoot(selected[1]!)) continue
      if (!field) problems.push(`root field ${selected[1]}`)
      else problems.push(...checkSelection(getNamedType(field.type).name, selected[2]!))
      continue
    }
    if (NAME.test(text)) problems.push(...checkWord({ ...span, text }))
  }
  // payloads: `field(…)` → `{ … }`, or `field` → `{ … }`
  for (const match of markdown.matchAll(/`([a-z]\w*)(?:\([^`]*\))?`\s*→\s*`(\{[^`]*\})`/g)) {
    const [, name, selection] = match as unknown as [string, string, string]
    if (isNotBuiltRoot(name)) continue
    const field = rootField(name)
    if (!field) problems.push(`root field ${name}`)
    else problems.push(...checkSelection(getNamedType(field.type).name, selection))
  }
  return [...new Set(problems)]
}

test('every GraphQL name docs/API.md lists exists in schema.graphql, or is listed as not built yet', () => {
  assert.deepEqual(unknownNames(API), [])
})

test('the check refuses a misspelt name of each shape', () => {
  const cases: [string, string][] = [
    ['`tokenCreat(email: String!, password: String!)`', 'root field tokenCreat'],
    ['`tokenCreate(email: String!, pasword: String!)`', 'tokenCreate(pasword)'],
    ['`accountRegister(input: AccountRegisterInputs!)`', 'type AccountRegisterInputs'],
    ['`tokenCreate(email: String!, password: String!)` → `{ token refreshTokn user errors }`', 'TokenCreatePayload.refreshTokn'],
    ['`me { addresses { postalCod } }`', 'Address.postalCod'],
    ['- Payload errors: `INVALID_CREDENTIAL`', 'AccountErrorCode.INVALID_CREDENTIAL'],
    ['`PermissionEnum`: `MANAGE_USER`', 'PermissionEnum.MANAGE_USER'],
    ['Staff: `customerCreat`', 'customerCreat'],
    ['types: `AccountEror`', 'AccountEror'],
    ['events: `ACCOUNT_CREATD`', 'ACCOUNT_CREATD'],
  ] // prettier-ignore
  for (const [markdown, expected] of cases) assert.deepEqual(unknownNames(markdown), [expected], markdown)
})

test('every name listed as not built yet is absent, and the contract still names it', () => {
  const present: string[] = []
  for (const entry of NOT_BUILT.schema) {
    const [typeName, member] = entry.split('.') as [string, string | undefined]
    const type = typeOf(typeName)
    if (!member ? type : type && (isEnumType(type) ? type.getValue(member) : fieldsOf(type)[member]))
      present.push(entry)
  }
  for (const setting of NOT_BUILT.settings) if (SETTINGS.has(setting)) present.push(setting)
  for (const event of NOT_BUILT.events)
    if ([...ACCOUNT_EVENT_TYPES, ...WEBHOOK_EVENTS].includes(event as never)) present.push(event)
  for (const word of NOT_BUILT.words) if (schemaNames.has(word)) present.push(word)
  assert.deepEqual(present, [], 'built now: take these out of NOT_BUILT')

  const words = new Set(spans(API).flatMap(span => span.text.match(/[A-Za-z_]\w*/g) ?? []))
  const unmentioned = [...NOT_BUILT.schema.map(entry => entry.split('.').at(-1)!), ...NOT_BUILT.settings]
    .concat(NOT_BUILT.events, NOT_BUILT.words)
    .filter(name => !words.has(name))
  assert.deepEqual(unmentioned, [], 'no longer in docs/API.md: take these out of NOT_BUILT')
})
