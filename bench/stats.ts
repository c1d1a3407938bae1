/**
 * How the runner reduces the repeated runs of one figure to what the report shows: the median, which one
 * disturbed run cannot move far on this shared machine, and the min–max, which shows how far the runs spread.
 */

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Values the spread was taken over (NaN values are not counted). */
  count: number;
}

/** The spread of the values that are numbers (NaN stands for "not measured in this run"); null when none are. */
export function spread(values: readonly number[]): Spread | null {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  const count = sorted.length;
  if (count === 0) return null;
  const middle = Math.floor(count / 2);
  // Of an even count, the mean of the two middle values.
  const median =
    count % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[count - 1] as number, count };
}

/** A figure as the report prints it: thousands separated from 100 up, else three significant-ish digits. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "n/a";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
