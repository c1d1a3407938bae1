/**
 * What every health chart is drawn in: a figure with its caption and legend, a canvas whose measured width
 * becomes the SVG's viewBox (so text keeps its real size at any width), and the chart's figures as a table in a
 * <details> for people who cannot see the chart.
 */
import { useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { bucketRangeLabel } from "./chart-scale";

export interface ChartSeries {
  label: string;
  /** Colour class from health.css: `success`, `danger`, `primary`, `warning`. */
  tone: "success" | "danger" | "primary" | "warning";
}

export interface TimeBucket {
  /** Epoch ms. */
  start: number;
  /** One value per series; null where there is nothing to show (no attempts in the bucket). */
  values: (number | null)[];
}

const DEFAULT_WIDTH = 640;

/** The container's width in CSS pixels, kept current as the layout changes. */
function useContainerWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement | null>(null);
  const [width, setWidth] = useState(DEFAULT_WIDTH);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const update = () => {
      const measured = Math.round(element.getBoundingClientRect().width);
      if (measured > 0) setWidth(Math.max(220, measured));
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width];
}

export function Legend({ series }: { series: ChartSeries[] }) {
  return (
    <div className="chart-legend" aria-hidden="true">
      {series.map((item) => (
        <span key={item.label}>
          <span className={`legend-swatch chart-swatch-${item.tone}`} />
          {item.label}
        </span>
      ))}
    </div>
  );
}

export function ChartFigure({
  title,
  legend,
  table,
  children,
}: {
  title: string;
  legend?: ReactNode;
  table: ReactNode;
  children: (width: number) => ReactNode;
}) {
  const [ref, width] = useContainerWidth();
  return (
    <figure className="health-chart">
      <figcaption>{title}</figcaption>
      {legend}
      <div ref={ref} className="health-chart-canvas">
        {children(width)}
      </div>
      <details className="health-chart-data">
        <summary>Show the data as a table</summary>
        {table}
      </details>
    </figure>
  );
}

/** The figures behind a time chart; buckets without any value are left out to keep it short. */
export function TimeTable({
  title,
  series,
  buckets,
  bucketSeconds,
  formatValue,
}: {
  title: string;
  series: ChartSeries[];
  buckets: TimeBucket[];
  bucketSeconds: number;
  formatValue: (value: number) => string;
}) {
  const rows = buckets.filter((bucket) => bucket.values.some((value) => value !== null && value !== 0));
  if (rows.length === 0) return <p className="muted">No data in this window.</p>;
  return (
    <div className="table-wrap">
      <table className="health-data-table">
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {series.map((item) => (
              <th key={item.label} scope="col">
                {item.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((bucket) => (
            <tr key={bucket.start}>
              <th scope="row">{bucketRangeLabel(bucket.start, bucketSeconds)}</th>
              {bucket.values.map((value, index) => (
                <td key={series[index]?.label ?? index}>{value === null ? "—" : formatValue(value)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
