import {distance} from 'fastest-levenshtein'

/**
 * The closest known word within a small edit distance ("did you mean?"), or undefined.
 * Distance allowed grows with length: 1 for short words, up to a third of the word.
 */
export function didYouMean(
  input: string,
  known: Iterable<string>,
  normalize: (s: string) => string = (s) => s.toLowerCase(),
): string | undefined {
  const needle = normalize(input)
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const d = distance(needle, normalize(candidate))
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }

  const allowed = Math.max(1, Math.floor(needle.length / 3))
  return bestDistance > 0 && bestDistance <= allowed ? best : undefined
}
