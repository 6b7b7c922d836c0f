// `npm run bench:timing`: does tokenCreate take the same time for an unknown email as for a wrong
// password on a registered one? Starts the built server (as the tests do), then alternates the two
// kinds one request at a time, each from its own address behind a trusted proxy hop so that the
// sign-in throttle measures nothing, and prints both medians. Usage: [--samples N] (default 200).
import '../tests/helpers/env'
import { parseArgs } from 'node:util'
import { startServer } from '../tests/helpers/server'
import { makeCustomer } from '../tests/helpers/factories'

const { values } = parseArgs({ options: { samples: { type: 'string', default: '200' } } })
const SAMPLES = Number(values.samples)
const TOKEN_CREATE =
  'mutation($e: String!, $p: String!) { tokenCreate(email: $e, password: $p) { token errors { code } } }'

const server = await startServer({ env: { TRUST_PROXY: '127.0.0.1' } })
try {
  // one registered account per sample: twenty failures from one network would reach the account's
  // hourly ceiling for that network (services/identity/throttle.ts)
  const registered: string[] = []
  for (let i = 0; i < SAMPLES; i++) registered.push((await makeCustomer(server.context)).email)

  const timeOne = async (email: string, ip: string): Promise<number> => {
    const started = performance.now()
    const response = await fetch(`${server.url}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ query: TOKEN_CREATE, variables: { e: email, p: 'definitely not the password' } }),
    })
    const answer = (await response.json()) as { data: { tokenCreate: { errors: { code: string }[] } } }
    const elapsed = performance.now() - started
    const code = answer.data.tokenCreate.errors[0]?.code
    if (code !== 'INVALID_CREDENTIALS') throw new Error(`expected INVALID_CREDENTIALS, got ${JSON.stringify(answer)}`)
    return elapsed
  }

  const unknown: number[] = []
  const wrong: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    unknown.push(await timeOne(`nobody-${i}@example.com`, `198.18.1.${i % 250}`))
    wrong.push(await timeOne(registered[i]!, `198.18.2.${i % 250}`))
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  const [a, b] = [median(unknown), median(wrong)]
  console.log(
    `tokenCreate, ${SAMPLES} alternating samples each: unknown email p50 ${a.toFixed(1)} ms, wrong password p50 ${b.toFixed(1)} ms, difference ${(b - a).toFixed(1)} ms`,
  )
} finally {
  await server.stop()
}
