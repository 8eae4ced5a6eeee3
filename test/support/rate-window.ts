/**
 * The most events in any sliding window of `windowMs`, from their times in ascending order: what a vendor
 * counting requests in a rolling window saw at its fullest.
 */
export function mostInWindow(times: readonly number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}
