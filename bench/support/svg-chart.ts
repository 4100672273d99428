// A small line chart as standalone SVG, for figures committed next to bench/README.md (no plotting
// package: a few polylines, two y axes, a legend).

export interface Series {
  name: string;
  color: string;
  /** 'left': the first axis (e.g. a cumulative count); 'right': the second (e.g. a rate per second). */
  axis: 'left' | 'right';
  points: readonly (readonly [number, number])[];
}

export interface Chart {
  title: string;
  xLabel: string;
  leftLabel: string;
  rightLabel: string;
  series: readonly Series[];
}

const W = 760;
const H = 410;
const PAD = { left: 64, right: 64, top: 40, bottom: 102 };

/** A round step giving about `ticks` ticks up to `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = Math.max(max, 1) / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function lineChart(chart: Chart): string {
  const all = chart.series.flatMap((s) => s.points);
  const maxOf = (axis: 'left' | 'right') => Math.max(1, ...chart.series.filter((s) => s.axis === axis).flatMap((s) => s.points.map(([, y]) => y)));
  const xStep = niceStep(Math.max(1, ...all.map(([x]) => x)), 10);
  const xMax = Math.ceil(Math.max(1, ...all.map(([x]) => x)) / xStep) * xStep;
  const axes = (['left', 'right'] as const).map((axis) => {
    const step = niceStep(maxOf(axis), 5);
    return { axis, step, max: Math.ceil(maxOf(axis) / step) * step };
  });
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const px = (x: number) => PAD.left + (x / xMax) * plotW;
  const py = (y: number, axis: 'left' | 'right') => PAD.top + plotH - (y / axes.find((a) => a.axis === axis)!.max) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13">${escape(chart.title)}</text>`,
  ];
  for (let x = 0; x <= xMax; x += xStep) {
    out.push(`<line x1="${px(x)}" y1="${PAD.top}" x2="${px(x)}" y2="${PAD.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${PAD.top + plotH + 14}" text-anchor="middle">${x}</text>`);
  }
  for (const { axis, step, max } of axes) {
    const x = axis === 'left' ? PAD.left - 6 : W - PAD.right + 6;
    for (let y = 0; y <= max; y += step) {
      out.push(`<text x="${x}" y="${py(y, axis) + 4}" text-anchor="${axis === 'left' ? 'end' : 'start'}">${y.toLocaleString('en')}</text>`);
    }
  }
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${PAD.left + plotW / 2}" y="${PAD.top + plotH + 30}" text-anchor="middle">${escape(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(chart.leftLabel)}</text>`);
  out.push(`<text transform="translate(${W - 10} ${PAD.top + plotH / 2}) rotate(90)" text-anchor="middle">${escape(chart.rightLabel)}</text>`);
  chart.series.forEach((s, i) => {
    const points = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y, s.axis).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="${s.axis === 'left' ? 2.5 : 1.2}" points="${points}"/>`);
    const lx = PAD.left + (i % 2) * (plotW / 2);
    const ly = H - 50 + Math.floor(i / 2) * 15;
    out.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text x="${lx + 22}" y="${ly}">${escape(`${s.name} (${s.axis} axis)`)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
