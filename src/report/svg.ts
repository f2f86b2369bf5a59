// A small SVG plotting kit for the report figures: panels with linear axes, grid, ticks, legend and clipped
// marks, composed into one figure. Hand-built strings keep rendering in Node free of a browser or canvas.

export const FONT = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

export const COLORS = {
  train: '#1f77b4',
  val: '#ff7f0e',
  truth: '#222222',
  predicted: '#1f77b4',
  interval: '#9ecae1',
  good: '#2ca02c',
  bad: '#d62728',
  grid: '#e6e6e6',
  axis: '#444444',
  muted: '#888888',
  male: '#4c72b0',
  female: '#dd8452',
} as const;

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Coordinates rounded to 0.1 px: smaller files, no visible change. */
export function num(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** Rough width of a string in DejaVu Sans (average advance ~0.6 em), for placing labels. */
export function textWidth(text: string, size: number): number {
  return text.length * size * 0.6;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const f = raw / power;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * power;
}

/** Round tick values covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const step = niceStep(hi - lo, count);
  const ticks: number[] = [];
  const start = Math.ceil(lo / step - 1e-9);
  for (let i = start; i * step <= hi + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** [lo, hi] widened to round numbers (and to a non-empty span). */
export function niceDomain(lo: number, hi: number, count = 6): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return niceDomain(lo - pad, hi + pad, count);
  }
  const step = niceStep(hi - lo, count);
  return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
}

export function formatTick(v: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const decimals = step >= 1 ? 0 : Math.min(4, Math.ceil(-Math.log10(step) - 1e-9));
  return v.toFixed(decimals);
}

export interface AxisSpec {
  label: string;
  domain: [number, number];
  ticks?: number[];
  format?: (v: number) => string;
  /** Draw grid lines at the ticks (default true). */
  grid?: boolean;
}

export interface LegendItem {
  label: string;
  color: string;
  kind?: 'line' | 'point' | 'bar' | 'dash';
  opacity?: number;
}

export interface PanelSpec {
  width: number;
  height: number;
  title?: string;
  x: AxisSpec;
  y: AxisSpec;
  legend?: LegendItem[];
  legendPosition?: 'top-left' | 'top-right' | 'bottom-right';
  margin?: Partial<{ left: number; right: number; top: number; bottom: number }>;
}

export interface Style {
  stroke?: string;
  fill?: string;
  width?: number;
  opacity?: number;
  dash?: string;
}

function styleAttrs(s: Style, defaults: Style = {}): string {
  const m = { ...defaults, ...s };
  const parts: string[] = [];
  parts.push(`fill="${m.fill ?? 'none'}"`);
  if (m.stroke) parts.push(`stroke="${m.stroke}"`, `stroke-width="${m.width ?? 1}"`);
  if (m.opacity !== undefined && m.opacity < 1) parts.push(`opacity="${m.opacity}"`);
  if (m.dash) parts.push(`stroke-dasharray="${m.dash}"`);
  return parts.join(' ');
}

let clipCounter = 0;

/** One plot: an inner area with data coordinates, axes around it and marks added in data units. */
export class Panel {
  readonly left: number;
  readonly top: number;
  readonly innerWidth: number;
  readonly innerHeight: number;
  private readonly marks: string[] = [];
  private readonly overlays: string[] = [];
  private readonly xTicks: number[];
  private readonly yTicks: number[];

  constructor(readonly spec: PanelSpec) {
    const m = { left: 58, right: 16, top: spec.title ? 34 : 14, bottom: 46, ...spec.margin };
    this.left = m.left;
    this.top = m.top;
    this.innerWidth = spec.width - m.left - m.right;
    this.innerHeight = spec.height - m.top - m.bottom;
    this.xTicks = spec.x.ticks ?? niceTicks(spec.x.domain[0], spec.x.domain[1], Math.max(2, Math.round(this.innerWidth / 80)));
    this.yTicks = spec.y.ticks ?? niceTicks(spec.y.domain[0], spec.y.domain[1], Math.max(2, Math.round(this.innerHeight / 55)));
  }

  get width(): number {
    return this.spec.width;
  }

  get height(): number {
    return this.spec.height;
  }

  x(v: number): number {
    const [a, b] = this.spec.x.domain;
    return this.left + ((v - a) / (b - a || 1)) * this.innerWidth;
  }

  y(v: number): number {
    const [a, b] = this.spec.y.domain;
    return this.top + this.innerHeight - ((v - a) / (b - a || 1)) * this.innerHeight;
  }

  /** Raw SVG in panel pixel coordinates, clipped to the plot area. */
  raw(svg: string): this {
    this.marks.push(svg);
    return this;
  }

  /** Raw SVG in panel pixel coordinates, not clipped (labels that may overhang). */
  overlay(svg: string): this {
    this.overlays.push(svg);
    return this;
  }

  line(points: Array<[number, number]>, style: Style = {}): this {
    const finite = points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (finite.length < 2) return this;
    const d = finite.map(([a, b]) => `${num(this.x(a))},${num(this.y(b))}`).join(' ');
    return this.raw(`<polyline points="${d}" ${styleAttrs(style, { stroke: COLORS.axis, width: 1.5 })} stroke-linejoin="round" stroke-linecap="round"/>`);
  }

  points(points: Array<[number, number]>, radius: number, style: Style = {}): this {
    const fill = style.fill ?? COLORS.predicted;
    const circles = points
      .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b))
      .map(([a, b]) => `<circle cx="${num(this.x(a))}" cy="${num(this.y(b))}" r="${radius}"/>`)
      .join('');
    if (!circles) return this;
    return this.raw(`<g ${styleAttrs({ ...style, fill })}>${circles}</g>`);
  }

  /** Vertical segments [x, y0, y1], drawn as one path. */
  segments(items: Array<[number, number, number]>, style: Style = {}): this {
    const d = items
      .filter((s) => s.every(Number.isFinite))
      .map(([a, y0, y1]) => `M${num(this.x(a))} ${num(this.y(y0))}V${num(this.y(y1))}`)
      .join('');
    if (!d) return this;
    return this.raw(`<path d="${d}" ${styleAttrs(style, { stroke: COLORS.interval, width: 1 })}/>`);
  }

  /** A filled rectangle between data corners. */
  rect(x0: number, y0: number, x1: number, y1: number, style: Style = {}): this {
    const [a, b] = [this.x(x0), this.x(x1)];
    const [c, d] = [this.y(y0), this.y(y1)];
    return this.raw(
      `<rect x="${num(Math.min(a, b))}" y="${num(Math.min(c, d))}" width="${num(Math.abs(b - a))}" height="${num(Math.abs(d - c))}" ${styleAttrs(style, { fill: COLORS.predicted })}/>`,
    );
  }

  /** Text at a data point; `anchor` and pixel offsets place it. */
  text(xv: number, yv: number, text: string, options: { size?: number; anchor?: 'start' | 'middle' | 'end'; dx?: number; dy?: number; color?: string; bold?: boolean } = {}): this {
    const attrs = [
      `x="${num(this.x(xv) + (options.dx ?? 0))}"`,
      `y="${num(this.y(yv) + (options.dy ?? 0))}"`,
      `font-size="${options.size ?? 11}"`,
      `text-anchor="${options.anchor ?? 'middle'}"`,
      `fill="${options.color ?? COLORS.axis}"`,
    ];
    if (options.bold) attrs.push('font-weight="bold"');
    return this.overlay(`<text ${attrs.join(' ')}>${esc(text)}</text>`);
  }

  private axes(): string {
    const { x: xs, y: ys } = this.spec;
    const right = this.left + this.innerWidth;
    const bottom = this.top + this.innerHeight;
    const out: string[] = [];
    const fx = xs.format ?? ((v: number) => formatTick(v, this.xTicks));
    const fy = ys.format ?? ((v: number) => formatTick(v, this.yTicks));
    const inX = (v: number) => v >= Math.min(...xs.domain) - 1e-9 && v <= Math.max(...xs.domain) + 1e-9;
    const inY = (v: number) => v >= Math.min(...ys.domain) - 1e-9 && v <= Math.max(...ys.domain) + 1e-9;
    const xt = this.xTicks.filter(inX);
    const yt = this.yTicks.filter(inY);
    if (xs.grid !== false) {
      out.push(`<path d="${xt.map((t) => `M${num(this.x(t))} ${this.top}V${bottom}`).join('')}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    }
    if (ys.grid !== false) {
      out.push(`<path d="${yt.map((t) => `M${this.left} ${num(this.y(t))}H${right}`).join('')}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    }
    out.push(`<rect x="${this.left}" y="${this.top}" width="${this.innerWidth}" height="${this.innerHeight}" fill="none" stroke="${COLORS.axis}" stroke-width="1"/>`);
    out.push(`<path d="${xt.map((t) => `M${num(this.x(t))} ${bottom}v4`).join('')}${yt.map((t) => `M${this.left} ${num(this.y(t))}h-4`).join('')}" stroke="${COLORS.axis}"/>`);
    out.push(`<g font-size="11" fill="${COLORS.axis}" text-anchor="middle">`);
    for (const t of xt) out.push(`<text x="${num(this.x(t))}" y="${bottom + 16}">${esc(fx(t))}</text>`);
    out.push('</g>');
    out.push(`<g font-size="11" fill="${COLORS.axis}" text-anchor="end">`);
    for (const t of yt) out.push(`<text x="${this.left - 7}" y="${num(this.y(t) + 4)}">${esc(fy(t))}</text>`);
    out.push('</g>');
    out.push(`<text x="${num(this.left + this.innerWidth / 2)}" y="${this.spec.height - 8}" font-size="12" text-anchor="middle" fill="${COLORS.axis}">${esc(xs.label)}</text>`);
    const cy = num(this.top + this.innerHeight / 2);
    out.push(`<text x="14" y="${cy}" font-size="12" text-anchor="middle" fill="${COLORS.axis}" transform="rotate(-90 14 ${cy})">${esc(ys.label)}</text>`);
    if (this.spec.title) {
      out.push(`<text x="${this.left}" y="20" font-size="14" font-weight="bold" fill="#111">${esc(this.spec.title)}</text>`);
    }
    return out.join('');
  }

  private legend(): string {
    const items = this.spec.legend ?? [];
    if (items.length === 0) return '';
    const size = 11;
    const rowH = 16;
    const w = Math.max(...items.map((i) => textWidth(i.label, size))) + 36;
    const h = items.length * rowH + 8;
    const pos = this.spec.legendPosition ?? 'top-left';
    const x0 = pos === 'top-left' ? this.left + 8 : this.left + this.innerWidth - w - 8;
    const y0 = pos === 'bottom-right' ? this.top + this.innerHeight - h - 8 : this.top + 8;
    const out = [`<rect x="${num(x0)}" y="${num(y0)}" width="${num(w)}" height="${h}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`];
    items.forEach((item, i) => {
      const cy = y0 + 4 + rowH * i + rowH / 2;
      const op = item.opacity !== undefined ? ` opacity="${item.opacity}"` : '';
      const kind = item.kind ?? 'line';
      if (kind === 'point') out.push(`<circle cx="${num(x0 + 16)}" cy="${num(cy)}" r="3.5" fill="${item.color}"${op}/>`);
      else if (kind === 'bar') out.push(`<rect x="${num(x0 + 9)}" y="${num(cy - 5)}" width="14" height="10" fill="${item.color}"${op}/>`);
      else {
        const dash = kind === 'dash' ? ' stroke-dasharray="5 3"' : '';
        out.push(`<path d="M${num(x0 + 6)} ${num(cy)}h20" stroke="${item.color}" stroke-width="2"${dash}${op}/>`);
      }
      out.push(`<text x="${num(x0 + 31)}" y="${num(cy + 4)}" font-size="${size}" fill="#222">${esc(item.label)}</text>`);
    });
    return out.join('');
  }

  /** The panel as an SVG group at (dx, dy). */
  render(dx = 0, dy = 0): string {
    const id = `clip${++clipCounter}`;
    return [
      `<g transform="translate(${dx},${dy})">`,
      `<clipPath id="${id}"><rect x="${this.left}" y="${this.top}" width="${this.innerWidth}" height="${this.innerHeight}"/></clipPath>`,
      this.axes(),
      `<g clip-path="url(#${id})">${this.marks.join('')}</g>`,
      this.overlays.join(''),
      this.legend(),
      '</g>',
    ].join('');
  }
}

export interface Figure {
  svg: string;
  width: number;
  height: number;
}

/** Panels side by side (wrapping after `columns`), on a white background. */
export function figure(panels: Panel[], options: { columns?: number; caption?: string } = {}): Figure {
  const columns = Math.max(1, Math.min(options.columns ?? panels.length, panels.length));
  const rows: Panel[][] = [];
  for (let i = 0; i < panels.length; i += columns) rows.push(panels.slice(i, i + columns));
  const width = Math.max(...rows.map((r) => r.reduce((a, p) => a + p.width, 0)));
  const captionH = options.caption ? 20 : 0;
  let y = 0;
  const parts: string[] = [];
  for (const row of rows) {
    let x = 0;
    for (const p of row) {
      parts.push(p.render(x, y));
      x += p.width;
    }
    y += Math.max(...row.map((p) => p.height));
  }
  if (options.caption) parts.push(`<text x="8" y="${y + 14}" font-size="11" fill="${COLORS.muted}">${esc(options.caption)}</text>`);
  const height = y + captionH;
  return { svg: svgDocument(width, height, parts.join('')), width, height };
}

export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">` +
    `<rect width="${width}" height="${height}" fill="white"/>${body}</svg>`
  );
}

const VIRIDIS = ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'];

/** A viridis colour for t in [0, 1]. */
export function viridis(t: number): string {
  const c = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(c));
  const f = c - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const mix = (k: number) => Math.round(parseInt(a.slice(k, k + 2), 16) * (1 - f) + parseInt(b.slice(k, k + 2), 16) * f);
  return `#${[1, 3, 5].map((k) => mix(k).toString(16).padStart(2, '0')).join('')}`;
}
