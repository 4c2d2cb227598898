// Hand-written SVG charts: vertical bars, horizontal bars (funnels) and line charts with a legend. No chart
// library: the report needs five small figures, and plain SVG rasterises identically everywhere (png.ts).
export const CHART = { width: 720, height: 400, font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif' } as const;
export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
const M = { top: 48, right: 24, bottom: 56, left: 64 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

const fmt = (v: number) =>
  Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(2).replace(/\.?0+$/, '');

function text(
  x: number,
  y: number,
  s: string,
  o: { size?: number; anchor?: string; weight?: string; rotate?: boolean } = {},
): string {
  const rot = o.rotate ? ` transform="rotate(-90 ${x} ${y})"` : '';
  return `<text x="${x}" y="${y}" font-size="${o.size ?? 12}" text-anchor="${o.anchor ?? 'middle'}"${o.weight ? ` font-weight="${o.weight}"` : ''}${rot}>${escapeXml(s)}</text>`;
}

function frame(title: string, body: string[]): string {
  const { width, height, font } = CHART;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${font}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(width / 2, 26, title, { size: 16, weight: 'bold' }),
    ...body,
    '</svg>',
  ].join('\n');
}

/** Round-ish upper bound for an axis, so ticks land on readable numbers. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * mag).find((m) => m >= v) ?? 10 * mag;
}

/** An axis over [0, max] with room above the tallest bar; integer data (counts) gets integer ticks only. */
export function countAxis(max: number, integer: boolean): { yMax: number; ticks: number } {
  let yMax = niceMax(max * 1.1);
  if (!integer) return { yMax, ticks: 5 };
  yMax = Math.ceil(yMax);
  const ticks = yMax < 5 ? yMax : 5;
  return { yMax: Math.ceil(yMax / ticks) * ticks, ticks };
}

function yAxis(yMin: number, yMax: number, label: string, plotH: number, plotW: number, ticks = 5): string[] {
  const out: string[] = [];
  for (let i = 0; i <= ticks; i++) {
    const v = yMin + ((yMax - yMin) * i) / ticks;
    const y = M.top + plotH - (plotH * i) / ticks;
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`);
    out.push(text(M.left - 8, y + 4, fmt(v), { anchor: 'end', size: 11 }));
  }
  out.push(text(18, M.top + plotH / 2, label, { rotate: true }));
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#111827"/>`);
  out.push(
    `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#111827"/>`,
  );
  return out;
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
}

export function barChart(o: { title: string; xLabel: string; yLabel: string; bars: readonly Bar[] }): string {
  const plotW = CHART.width - M.left - M.right;
  const plotH = CHART.height - M.top - M.bottom;
  const values = o.bars.map((b) => b.value);
  const { yMax, ticks } = countAxis(Math.max(0, ...values), values.every(Number.isInteger));
  const slot = plotW / Math.max(1, o.bars.length);
  const body = yAxis(0, yMax, o.yLabel, plotH, plotW, ticks);
  o.bars.forEach((b, i) => {
    const h = (plotH * b.value) / yMax;
    const x = M.left + i * slot + slot * 0.1;
    body.push(
      `<rect x="${x}" y="${M.top + plotH - h}" width="${slot * 0.8}" height="${h}" fill="${b.color ?? PALETTE[0]}"/>`,
    );
    if (b.value > 0) body.push(text(x + slot * 0.4, M.top + plotH - h - 4, fmt(b.value), { size: 11 }));
    body.push(text(x + slot * 0.4, M.top + plotH + 16, b.label, { size: o.bars.length > 10 ? 9 : 11 }));
  });
  body.push(text(M.left + plotW / 2, CHART.height - 14, o.xLabel));
  return frame(o.title, body);
}

/** Horizontal bars, top to bottom: a funnel reads as the data shrinking step by step. */
export function hbarChart(o: { title: string; bars: readonly Bar[] }): string {
  const left = 230;
  const plotW = CHART.width - left - 72;
  const plotH = CHART.height - M.top - 24;
  const max = Math.max(1, ...o.bars.map((b) => b.value));
  const slot = plotH / Math.max(1, o.bars.length);
  const body: string[] = [];
  o.bars.forEach((b, i) => {
    const y = M.top + i * slot + slot * 0.15;
    const w = (plotW * b.value) / max;
    body.push(text(left - 8, y + slot * 0.35 + 4, b.label, { anchor: 'end', size: 12 }));
    body.push(`<rect x="${left}" y="${y}" width="${w}" height="${slot * 0.7}" fill="${b.color ?? PALETTE[0]}"/>`);
    body.push(text(left + w + 6, y + slot * 0.35 + 4, fmt(b.value), { anchor: 'start', size: 12 }));
  });
  return frame(o.title, body);
}

export interface Series {
  name: string;
  points: readonly (readonly [number, number | null])[];
  color?: string;
  dashed?: boolean;
}

/** Lines over a numeric x axis; null y values break a line (no point there). */
export function lineChart(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  yRange?: [number, number];
}): string {
  const plotW = CHART.width - M.left - M.right - 150; // room for the legend on the right
  const plotH = CHART.height - M.top - M.bottom;
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]).filter((y): y is number => y !== null));
  const [xMin, xMax] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  const [yMin, yMax] = o.yRange ?? [Math.min(0, ...ys), niceMax(Math.max(0, ...ys))];
  const inset = plotW * 0.03; // keeps the first and last points off the axes
  const sx = (x: number) =>
    M.left + inset + (xMax === xMin ? plotW / 2 - inset : ((x - xMin) / (xMax - xMin)) * (plotW - 2 * inset));
  const sy = (y: number) => M.top + plotH - ((y - yMin) / (yMax - yMin || 1)) * plotH;
  const body = yAxis(yMin, yMax, o.yLabel, plotH, plotW);
  const ticks = [...new Set(xs)].sort((a, b) => a - b);
  const every = Math.max(1, Math.ceil(ticks.length / 12));
  ticks.forEach((x, i) => i % every === 0 && body.push(text(sx(x), M.top + plotH + 16, fmt(x), { size: 11 })));
  body.push(text(M.left + plotW / 2, CHART.height - 14, o.xLabel));
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)} ${sy(y).toFixed(1)} `;
      pen = true;
      body.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    if (d) body.push(`<path d="${d.trim()}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    const ly = M.top + 8 + i * 20;
    const lx = M.left + plotW + 16;
    body.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    body.push(text(lx + 28, ly + 4, s.name, { anchor: 'start', size: 11 }));
  });
  return frame(o.title, body);
}

/** A placeholder figure when a stage produced nothing to plot (the report still links a valid image). */
export function emptyChart(title: string, note: string): string {
  return frame(title, [text(CHART.width / 2, CHART.height / 2, note, { size: 14 })]);
}
