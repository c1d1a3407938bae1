/** Axis arithmetic for the hand-written SVG charts: round tick values and time labels that do not collide. */

/** Round ticks from 0 to at least `max` (about `count` intervals); integer steps when `integers`. */
export function niceTicks(max: number, count = 4, integers = false): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  let step = (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
  if (integers) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let value = 0; value < max + step / 2; value += step) ticks.push(Number(value.toPrecision(12)));
  if ((ticks[ticks.length - 1] ?? 0) < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

const HOUR_MS = 3_600_000;

const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayAndClock = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
});
const fullStamp = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

/** A bucket start as an axis label: the clock time within a day's window, with the weekday beyond it. */
export function axisTimeLabel(ms: number, windowMs: number): string {
  return windowMs <= 36 * HOUR_MS ? clock.format(ms) : dayAndClock.format(ms);
}

/** A bucket's span for tooltips and tables: "Nov 23, 14:00 – 14:30". */
export function bucketRangeLabel(startMs: number, bucketSeconds: number): string {
  return `${fullStamp.format(startMs)} – ${clock.format(startMs + bucketSeconds * 1000)}`;
}

/** "2 minutes", "30 minutes", "4 hours", "1 day". */
export function bucketWidthLabel(bucketSeconds: number): string {
  const minutes = bucketSeconds / 60;
  if (minutes < 60) return minutes === 1 ? "minute" : `${minutes} minutes`;
  const hours = minutes / 60;
  if (hours < 24) return hours === 1 ? "hour" : `${hours} hours`;
  const days = hours / 24;
  return days === 1 ? "day" : `${days} days`;
}

/**
 * Which of `count` evenly spaced positions get a label, so that labels of about `labelPx` fit in `plotPx`:
 * every n-th, counted back from the last (the newest time is the one people look for).
 */
export function labelledIndexes(count: number, plotPx: number, labelPx: number): Set<number> {
  const fit = Math.max(1, Math.floor(plotPx / labelPx));
  const every = Math.max(1, Math.ceil(count / fit));
  const indexes = new Set<number>();
  for (let index = count - 1; index >= 0; index -= every) indexes.add(index);
  return indexes;
}

/** An estimate of a label's rendered width at the charts' 11–12 px type, for layout before measuring. */
export const textWidth = (text: string): number => text.length * 6.6 + 4;
