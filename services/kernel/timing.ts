// Answers that must not tell an existing account from a missing one take the same time: the
// work of each path differs by a few writes, so both are padded to a common floor.

export const ENUMERATION_SAFE_FLOOR_MS = 250

/** Run `work`, then wait until at least `floorMs` have passed since the start, whatever happened. */
export async function withMinimumDuration<T>(floorMs: number, work: () => Promise<T>): Promise<T> {
  const started = performance.now()
  try {
    return await work()
  } finally {
    const left = floorMs - (performance.now() - started)
    if (left > 0) await new Promise(resolve => setTimeout(resolve, left))
  }
}
