// The JSON lines a production test server logged (server/logger.ts: pino, the level as its label),
// read back for tests of what an operator sees at which level.
import type { TestServer } from './server'

export type LogLine = { level: string; msg: string } & Record<string, unknown>

// pino's order, quietest first
const ORDER = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

/** Whether a line is at `level` or louder. */
export function atLeast(line: LogLine, level: 'debug' | 'info' | 'warn' | 'error'): boolean {
  return ORDER.indexOf(line.level) >= ORDER.indexOf(level)
}

/** The JSON lines of a log's text; other text (a banner, a stack) is left out. */
export function logLinesOf(text: string): LogLine[] {
  return text.split('\n').flatMap(raw => {
    if (!raw.startsWith('{')) return []
    try {
      return [JSON.parse(raw) as LogLine]
    } catch {
      return []
    }
  })
}

/**
 * The lines the server logged after `offset` (a length of its output) that match, waiting up to
 * `waitMs` for the first of them: a line may reach the pipe a moment after its answer.
 */
export async function logLinesAfter(
  server: TestServer,
  offset: number,
  matches: (line: LogLine) => boolean,
  waitMs = 15_000,
): Promise<LogLine[]> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const lines = logLinesOf(server.output().slice(offset)).filter(matches)
    if (lines.length > 0 || Date.now() > deadline) return lines
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}
