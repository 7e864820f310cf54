import { formatDateTime, messages, t, type Locale } from '../../i18n/index.js';
import type { DeliveryTiming } from '../../store/store.js';
import { html, type Html } from './html.js';

const m = messages('console.triggers.graphs', {
  throughput: { en: 'Deliveries', ja: '配信数' },
  latency: { en: 'Delivery time (median per interval)', ja: '配信時間 (区間ごとの中央値)' },
  throughputDesc: {
    en: '{delivered} delivered and {failed} failed or dead in {range}, in intervals of {step}.',
    ja: '{range}に配信済み {delivered} 件、失敗またはデッドレター {failed} 件 ({step}ごと)。',
  },
  latencyDesc: {
    en: 'Median {median} ms, slowest {max} ms over {count} timed deliveries in {range}.',
    ja: '{range}の計測済み配信 {count} 件: 中央値 {median} ms、最大 {max} ms。',
  },
  noLatency: { en: 'No timed deliveries in {range}.', ja: '{range}に計測済みの配信はありません。' },
  hour: { en: 'the last hour', ja: '直近 1 時間' },
  day: { en: 'the last 24 hours', ja: '直近 24 時間' },
  fiveMinutes: { en: '5 minutes', ja: '5 分' },
  oneHour: { en: '1 hour', ja: '1 時間' },
  table: { en: 'The figures as a table', ja: '数値を表で見る' },
  from: { en: 'From', ja: '開始' },
  delivered: { en: 'Delivered', ja: '配信済み' },
  failed: { en: 'Failed or dead', ja: '失敗・デッドレター' },
  median: { en: 'Median ms', ja: '中央値 (ms)' },
});

/** The two windows the triggers page offers. */
export type GraphRange = 'hour' | 'day';

export const RANGES: Record<GraphRange, { spanMs: number; buckets: number }> = {
  hour: { spanMs: 3600_000, buckets: 12 },
  day: { spanMs: 24 * 3600_000, buckets: 24 },
};

interface Bucket {
  from: number;
  delivered: number;
  failed: number;
  durations: number[];
}

/** Deliveries sorted into equal intervals ending at `now`. */
export function bucketTimings(timings: readonly DeliveryTiming[], range: GraphRange, now: number): Bucket[] {
  const { spanMs, buckets } = RANGES[range];
  const step = spanMs / buckets;
  const start = now - spanMs;
  const out: Bucket[] = Array.from({ length: buckets }, (_, i) => ({
    from: start + i * step,
    delivered: 0,
    failed: 0,
    durations: [],
  }));
  for (const x of timings) {
    const i = Math.floor((x.at - start) / step);
    const b = out[Math.min(Math.max(i, 0), buckets - 1)];
    if (!b || x.at < start) continue;
    if (x.status === 'delivered') {
      b.delivered++;
      if (x.durationMs !== undefined) b.durations.push(x.durationMs);
    } else b.failed++;
  }
  return out;
}

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
};

const W = 360;
const H = 120;
const PAD = { left: 34, bottom: 18, top: 8 };

/**
 * A bar chart as inline SVG (no script, no external asset: the console's CSP allows neither).
 * `role="img"` with a title and a description is its text alternative; the figures are also
 * in a table under it.
 */
function barChart(
  id: string,
  title: string,
  desc: string,
  series: { values: number[]; cls: string }[],
  axis: [start: string, end: string],
): Html {
  const n = series[0]?.values.length ?? 1;
  const labels = series[0]?.values ?? [];
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const plotW = W - PAD.left - 4;
  const plotH = H - PAD.bottom - PAD.top;
  const barW = plotW / n;
  const bars: Html[] = [];
  labels.forEach((_, i) => {
    let y = PAD.top + plotH;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const h = Math.max(1, (v / max) * plotH);
      y -= h;
      bars.push(
        html`<rect
          class="${s.cls}"
          x="${(PAD.left + i * barW + 1).toFixed(1)}"
          y="${y.toFixed(1)}"
          width="${Math.max(1, barW - 2).toFixed(1)}"
          height="${h.toFixed(1)}"
        ></rect>`,
      );
    }
  });
  const [first, last] = axis;
  return html`<svg
    class="graph"
    id="${id}"
    viewBox="0 0 ${W} ${H}"
    role="img"
    aria-labelledby="${id}-title ${id}-desc"
    preserveAspectRatio="xMidYMid meet"
  >
    <title id="${id}-title">${title}</title>
    <desc id="${id}-desc">${desc}</desc>
    <line class="axis" x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${W - 4}" y2="${PAD.top + plotH}"></line>
    <line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}"></line>
    <text class="tick" x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end">${String(max)}</text>
    <text class="tick" x="${PAD.left - 4}" y="${PAD.top + plotH}" text-anchor="end">0</text>
    <text class="tick" x="${PAD.left}" y="${H - 4}">${first}</text>
    <text class="tick" x="${W - 4}" y="${H - 4}" text-anchor="end">${last}</text>
    ${bars}
  </svg>`;
}

/** Throughput and latency of one trigger over `range`, with their figures as text and as a table. */
export function deliveryGraphs(
  trigger: string,
  timings: readonly DeliveryTiming[],
  range: GraphRange,
  now: number,
  locale: Locale,
): Html {
  const buckets = bucketTimings(timings, range, now);
  const zone = locale === 'ja' ? 'Asia/Tokyo' : 'UTC';
  const clock = (ms: number): string =>
    new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: zone,
    }).format(ms);
  const axis: [string, string] = [clock(now - RANGES[range].spanMs), clock(now)];
  const rangeText = t(m[range], locale);
  const step = t(range === 'hour' ? m.fiveMinutes : m.oneHour, locale);
  const delivered = buckets.reduce((s, b) => s + b.delivered, 0);
  const failed = buckets.reduce((s, b) => s + b.failed, 0);
  const all = buckets.flatMap((b) => b.durations);
  const medians = buckets.map((b) => median(b.durations));
  const safe = trigger.replace(/[^A-Za-z0-9_-]/g, '_');
  const latencyDesc = all.length
    ? t(m.latencyDesc, locale, { median: median(all), max: Math.max(...all), count: all.length, range: rangeText })
    : t(m.noLatency, locale, { range: rangeText });
  return html`<div class="graphs">
    <figure>
      <figcaption>${t(m.throughput, locale)}</figcaption>
      ${barChart(
        `throughput-${safe}`,
        t(m.throughput, locale),
        t(m.throughputDesc, locale, { delivered, failed, range: rangeText, step }),
        [
          { values: buckets.map((b) => b.delivered), cls: 'bar-ok' },
          { values: buckets.map((b) => b.failed), cls: 'bar-bad' },
        ],
        axis,
      )}
      <p class="note graph-text">${t(m.throughputDesc, locale, { delivered, failed, range: rangeText, step })}</p>
    </figure>
    <figure>
      <figcaption>${t(m.latency, locale)}</figcaption>
      ${barChart(`latency-${safe}`, t(m.latency, locale), latencyDesc, [{ values: medians, cls: 'bar-time' }], axis)}
      <p class="note graph-text">${latencyDesc}</p>
    </figure>
    <details class="graph-table">
      <summary>${t(m.table, locale)}</summary>
      <table>
        <tr>
          <th scope="col">${t(m.from, locale)}</th>
          <th scope="col">${t(m.delivered, locale)}</th>
          <th scope="col">${t(m.failed, locale)}</th>
          <th scope="col">${t(m.median, locale)}</th>
        </tr>
        ${buckets.map(
          (b, i) =>
            html`<tr>
              <td>${formatDateTime(b.from, locale)}</td>
              <td>${b.delivered}</td>
              <td>${b.failed}</td>
              <td>${b.durations.length ? medians[i] : '–'}</td>
            </tr>`,
        )}
      </table>
    </details>
  </div>`;
}

/** The graphs' styles (the console's stylesheet is layout.ts's; these belong to this page). */
export const GRAPH_CSS = `.graphs{display:flex;flex-wrap:wrap;gap:1em}.graphs figure{margin:0;flex:1 1 300px;max-width:480px}
.graphs figcaption{font-weight:600;font-size:.92em}svg.graph{width:100%;height:auto;background:#fff;border:1px solid #d8dde3}
svg.graph .axis{stroke:#6b7280;stroke-width:1}svg.graph .tick{font-size:9px;fill:#374151}
svg.graph .bar-ok{fill:#1f7a3a}svg.graph .bar-bad{fill:#b42318}svg.graph .bar-time{fill:#0f3d66}
.graph-table table{max-width:480px}`;
