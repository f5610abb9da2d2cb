// Contestants measured in the same run, in alternating rounds: round 1 runs A then B, round 2
// B then A, and so on, with the same number of samples each. Whatever the machine does meanwhile
// (other engineers' builds, a Postgres checkpoint) falls on both, and nobody always goes first.

/** Runs measure(name, round) for every contestant in every round, the order rotating each round. */
export async function alternate<T> (names: string[], rounds: number, measure: (name: string, round: number) => Promise<T>): Promise<Map<string, T[]>> {
  const results = new Map<string, T[]>(names.map((name) => [name, []]))
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!)
    for (const name of order) results.get(name)!.push(await measure(name, round))
  }
  return results
}

export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
