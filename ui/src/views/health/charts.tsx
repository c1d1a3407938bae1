/**
 * Hand-written SVG charts (no chart library): stacked bars over time, lines over time, and horizontal bars.
 *
 * Each chart measures its container and uses that width as its viewBox, so text stays at its real size from a
 * phone to a wide screen while the SVG itself is `width: 100%`. Colours are CSS classes over the theme's
 * variables (health.css), so dark mode and the portal's primary colour apply. For assistive technology the SVG
 * is one image with a spoken summary (`role="img"`, `aria-label`), followed by the figures as a real table in a
 * <details>; hovering a bar or point shows its values through SVG <title> tooltips.
 */
import type { ReactNode } from "react";
import { ChartFigure, Legend, TimeTable, type ChartSeries, type TimeBucket } from "./chart-frame";
import { axisTimeLabel, bucketRangeLabel, labelledIndexes, niceTicks, textWidth } from "./chart-scale";

export type { ChartSeries, TimeBucket };

interface TimeChartProps {
  title: string;
  /** The spoken summary of the whole chart. */
  summary: string;
  series: ChartSeries[];
  buckets: TimeBucket[];
  bucketSeconds: number;
  /** The window's length: decides how time labels read. */
  windowMs: number;
  yLabel: string;
  formatValue: (value: number) => string;
  /** Whole-number ticks (counts, milliseconds). */
  integers?: boolean;
}

const CHART_HEIGHT = 220;
const MARGIN = { top: 12, right: 12, bottom: 30 };

/** The frame both time charts share: y grid with tick labels, the y-axis title and the time labels. */
function TimeAxes({
  width,
  ticks,
  yScale,
  plotLeft,
  plotRight,
  buckets,
  band,
  windowMs,
  yLabel,
  formatValue,
}: {
  width: number;
  ticks: number[];
  yScale: (value: number) => number;
  plotLeft: number;
  plotRight: number;
  buckets: TimeBucket[];
  band: number;
  windowMs: number;
  yLabel: string;
  formatValue: (value: number) => string;
}) {
  const plotBottom = CHART_HEIGHT - MARGIN.bottom;
  const sample = axisTimeLabel(buckets[0]?.start ?? 0, windowMs);
  const labelled = labelledIndexes(buckets.length, plotRight - plotLeft, textWidth(sample) + 16);
  return (
    <g className="chart-axes">
      <text
        className="chart-axis-title"
        transform={`translate(12 ${(MARGIN.top + plotBottom) / 2}) rotate(-90)`}
        textAnchor="middle"
      >
        {yLabel}
      </text>
      {ticks.map((tick) => (
        <g key={tick}>
          <line className="chart-grid" x1={plotLeft} x2={plotRight} y1={yScale(tick)} y2={yScale(tick)} />
          <text className="chart-tick" x={plotLeft - 6} y={yScale(tick)} dy="0.32em" textAnchor="end">
            {formatValue(tick)}
          </text>
        </g>
      ))}
      <line className="chart-baseline" x1={plotLeft} x2={plotRight} y1={plotBottom} y2={plotBottom} />
      {buckets.map((bucket, index) => {
        if (!labelled.has(index)) return null;
        const text = axisTimeLabel(bucket.start, windowMs);
        // Centred under its bar, but kept inside the drawing at both ends.
        const half = textWidth(text) / 2;
        const x = Math.min(Math.max(plotLeft + index * band + band / 2, half + 2), width - half - 2);
        return (
          <text key={bucket.start} className="chart-tick" x={x} y={plotBottom + 18} textAnchor="middle">
            {text}
          </text>
        );
      })}
    </g>
  );
}

function plotGeometry(width: number, ticks: number[], formatValue: (value: number) => string) {
  const widest = Math.max(...ticks.map((tick) => textWidth(formatValue(tick))));
  const plotLeft = 22 + widest + 6;
  const plotRight = width - MARGIN.right;
  const plotBottom = CHART_HEIGHT - MARGIN.bottom;
  const top = ticks[ticks.length - 1] ?? 1;
  const yScale = (value: number) => plotBottom - (value / top) * (plotBottom - MARGIN.top);
  return { plotLeft, plotRight, plotBottom, yScale };
}

/** Where a time chart's marks go: the plot's left edge and baseline, each bucket's width, and the y scale. */
interface TimePlot {
  plotLeft: number;
  plotBottom: number;
  band: number;
  yScale: (value: number) => number;
}

/**
 * What both time charts share: the figure with legend and data table, the measured SVG, and the axes scaled to
 * `max`; `marks` draws the chart's own bars or lines into the plot.
 */
function TimeChartFrame({
  max,
  marks,
  ...props
}: TimeChartProps & { max: number; marks: (plot: TimePlot) => ReactNode }) {
  const { title, summary, series, buckets, windowMs, yLabel, formatValue } = props;
  const ticks = niceTicks(max, 4, props.integers);
  return (
    <ChartFigure title={title} legend={<Legend series={series} />} table={<TimeTable {...props} />}>
      {(width) => {
        const { plotLeft, plotRight, plotBottom, yScale } = plotGeometry(width, ticks, formatValue);
        const band = (plotRight - plotLeft) / Math.max(1, buckets.length);
        return (
          <svg
            className="chart"
            viewBox={`0 0 ${width} ${CHART_HEIGHT}`}
            role="img"
            aria-label={summary}
            preserveAspectRatio="xMidYMid meet"
          >
            <TimeAxes
              width={width}
              ticks={ticks}
              yScale={yScale}
              plotLeft={plotLeft}
              plotRight={plotRight}
              buckets={buckets}
              band={band}
              windowMs={windowMs}
              yLabel={yLabel}
              formatValue={formatValue}
            />
            {marks({ plotLeft, plotBottom, band, yScale })}
          </svg>
        );
      }}
    </ChartFigure>
  );
}

/** Bars per time bucket, the series stacked bottom to top (successes under failures). */
export function StackedBarChart(props: TimeChartProps) {
  const { series, buckets, bucketSeconds, formatValue } = props;
  const max = Math.max(
    0,
    ...buckets.map((bucket) => bucket.values.reduce<number>((sum, v) => sum + (v ?? 0), 0)),
  );
  return (
    <TimeChartFrame
      {...props}
      max={max}
      marks={({ plotLeft, plotBottom, band, yScale }) => {
        const gap = Math.min(4, band * 0.2);
        return buckets.map((bucket, index) => {
          const x = plotLeft + index * band + gap / 2;
          let below = 0;
          const tooltip = [
            bucketRangeLabel(bucket.start, bucketSeconds),
            ...series.map((item, i) => `${item.label}: ${formatValue(bucket.values[i] ?? 0)}`),
          ].join("\n");
          return (
            <g key={bucket.start} className="chart-bucket">
              <title>{tooltip}</title>
              <rect
                className="chart-hit"
                x={x}
                y={MARGIN.top}
                width={band - gap}
                height={plotBottom - MARGIN.top}
              />
              {series.map((item, i) => {
                const value = bucket.values[i] ?? 0;
                if (value <= 0) return null;
                const bottom = yScale(below);
                below += value;
                const top = yScale(below);
                const height = bottom - top;
                return (
                  <rect
                    key={item.label}
                    className={`chart-bar chart-fill-${item.tone}`}
                    data-series={item.label}
                    x={x}
                    y={top}
                    width={Math.max(1, band - gap)}
                    height={Math.max(1, height)}
                  />
                );
              })}
            </g>
          );
        });
      }}
    />
  );
}

/** Lines over time, broken where a bucket has no value; each value also gets a point with a tooltip. */
export function LineChart(props: TimeChartProps) {
  const { series, buckets, bucketSeconds, formatValue } = props;
  const max = Math.max(0, ...buckets.flatMap((bucket) => bucket.values.map((value) => value ?? 0)));
  return (
    <TimeChartFrame
      {...props}
      max={max}
      marks={({ plotLeft, plotBottom, band, yScale }) => {
        const xOf = (index: number) => plotLeft + index * band + band / 2;
        return (
          <>
            {buckets.map((bucket, index) => (
              <rect
                key={bucket.start}
                className="chart-hit"
                x={plotLeft + index * band}
                y={MARGIN.top}
                width={band}
                height={plotBottom - MARGIN.top}
              >
                <title>
                  {[
                    bucketRangeLabel(bucket.start, bucketSeconds),
                    ...series.map(
                      (item, i) =>
                        `${item.label}: ${bucket.values[i] === null || bucket.values[i] === undefined ? "no attempts" : formatValue(bucket.values[i] ?? 0)}`,
                    ),
                  ].join("\n")}
                </title>
              </rect>
            ))}
            {series.map((item, i) => {
              let path = "";
              let penDown = false;
              buckets.forEach((bucket, index) => {
                const value = bucket.values[i];
                if (value === null || value === undefined) {
                  penDown = false;
                  return;
                }
                path += `${penDown ? "L" : "M"}${xOf(index).toFixed(1)} ${yScale(value).toFixed(1)} `;
                penDown = true;
              });
              return (
                <g
                  key={item.label}
                  className={`chart-series chart-stroke-${item.tone}`}
                  data-series={item.label}
                >
                  {path !== "" ? <path className="chart-line" d={path.trim()} /> : null}
                  {buckets.map((bucket, index) => {
                    const value = bucket.values[i];
                    if (value === null || value === undefined) return null;
                    return (
                      <circle
                        key={bucket.start}
                        className="chart-point"
                        cx={xOf(index)}
                        cy={yScale(value)}
                        r={3.5}
                      >
                        <title>{`${bucketRangeLabel(bucket.start, bucketSeconds)}\n${item.label}: ${formatValue(value)}`}</title>
                      </circle>
                    );
                  })}
                </g>
              );
            })}
          </>
        );
      }}
    />
  );
}

export interface BarItem {
  label: string;
  value: number;
}

const ROW_HEIGHT = 28;

/** One horizontal bar per item, longest first as given; the label left of the bar, the value after it. */
export function HorizontalBarChart({
  title,
  summary,
  items,
  valueLabel,
  formatValue,
  tone = "primary",
}: {
  title: string;
  summary: string;
  items: BarItem[];
  /** The column heading of the values in the data table ("Messages"). */
  valueLabel: string;
  formatValue: (value: number) => string;
  tone?: ChartSeries["tone"];
}) {
  const max = Math.max(1, ...items.map((item) => item.value));
  const height = items.length * ROW_HEIGHT + 8;
  const table = (
    <div className="table-wrap">
      <table className="health-data-table">
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">{valueLabel}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.label}>
              <th scope="row">{item.label}</th>
              <td>{formatValue(item.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return (
    <ChartFigure title={title} table={table}>
      {(width) => {
        const valueSpace = Math.max(...items.map((item) => textWidth(formatValue(item.value)))) + 8;
        const labelSpace = Math.min(
          width * 0.42,
          Math.max(...items.map((item) => textWidth(item.label))) + 8,
        );
        const barLeft = labelSpace + 4;
        const barMax = Math.max(20, width - barLeft - valueSpace);
        const maxChars = Math.max(4, Math.floor((labelSpace - 8) / 6.6));
        return (
          <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}>
            {items.map((item, index) => {
              const y = 4 + index * ROW_HEIGHT;
              const barWidth = Math.max(2, (item.value / max) * barMax);
              const shown =
                item.label.length > maxChars ? `${item.label.slice(0, maxChars - 1)}…` : item.label;
              return (
                <g key={item.label} className="chart-row">
                  <title>{`${item.label}: ${formatValue(item.value)}`}</title>
                  <text
                    className="chart-label"
                    x={labelSpace}
                    y={y + ROW_HEIGHT / 2}
                    dy="0.32em"
                    textAnchor="end"
                  >
                    {shown}
                  </text>
                  <rect
                    className={`chart-bar chart-fill-${tone}`}
                    x={barLeft}
                    y={y + 5}
                    width={barWidth}
                    height={ROW_HEIGHT - 10}
                    rx={3}
                  />
                  <text className="chart-value" x={barLeft + barWidth + 6} y={y + ROW_HEIGHT / 2} dy="0.32em">
                    {formatValue(item.value)}
                  </text>
                </g>
              );
            })}
          </svg>
        );
      }}
    </ChartFigure>
  );
}
