// Charts as inline SVG, built with DOM calls (no inline styles or scripts, so the strict CSP holds).

const SVG = 'http://www.w3.org/2000/svg';

function svg(
  tag: string,
  attributes: Record<string, string | number>,
  ...children: (Node | string)[]
): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

const SERIES = ['allowed', 'refused', 'limited', 'errors'] as const;

/** Stacked bars per time bucket (allowed, refused, limited, errors) and a monitor line. */
export function stackedTimeChart(
  buckets: number[],
  series: Record<(typeof SERIES)[number] | 'wouldRefuse', number[]>,
  title: string,
): SVGElement {
  const width = 960;
  const height = 220;
  const left = 40;
  const bottom = 20;
  const totals = buckets.map((_, i) => SERIES.reduce((sum, name) => sum + (series[name][i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const step = (width - left) / Math.max(1, buckets.length);
  const scale = (value: number) => (value / max) * (height - bottom - 10);
  const bars: SVGElement[] = [];
  buckets.forEach((at, i) => {
    let y = height - bottom;
    for (const name of SERIES) {
      const value = series[name][i] ?? 0;
      if (value === 0) continue;
      const h = scale(value);
      y -= h;
      bars.push(
        svg(
          'rect',
          {
            x: left + i * step + 1,
            y,
            width: Math.max(1, step - 2),
            height: h,
            class: `s-${name}`,
            'data-series': name,
          },
          svg('title', {}, `${new Date(at).toISOString()}: ${value} ${name}`),
        ),
      );
    }
    const monitored = series.wouldRefuse[i] ?? 0;
    if (monitored > 0) {
      bars.push(
        svg('rect', {
          x: left + i * step + 1,
          y: height - bottom - scale(monitored) - 2,
          width: Math.max(1, step - 2),
          height: 2,
          class: 's-wouldRefuse',
        }),
      );
    }
  });
  const labels = [0, Math.floor(buckets.length / 2), buckets.length - 1]
    .filter((i, index, all) => buckets[i] !== undefined && all.indexOf(i) === index)
    .map((i) =>
      svg('text', { x: left + i * step, y: height - 4 }, new Date(buckets[i]!).toISOString().slice(11, 16)),
    );
  return svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': `${title}; peak ${max} per bucket`,
      'data-chart': 'time',
    },
    svg('title', {}, title),
    svg('text', { x: 0, y: 12 }, String(max)),
    svg('text', { x: 0, y: height - bottom }, '0'),
    svg('line', { x1: left, x2: width, y1: height - bottom, y2: height - bottom, stroke: '#d0d7de' }),
    ...bars,
    ...labels,
  );
}

/** Horizontal bars, one per row, labelled with their value. */
export function barChart(rows: [string, number][], title: string): SVGElement {
  const width = 480;
  const row = 22;
  const labelWidth = 190;
  const max = Math.max(1, ...rows.map(([, value]) => value));
  return svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${rows.length * row + 4}`,
      role: 'img',
      'aria-label': title,
      'data-chart': 'bars',
    },
    svg('title', {}, title),
    ...rows.flatMap(([name, value], i) => [
      svg(
        'text',
        { x: 0, y: i * row + 15, class: 'bar-label' },
        name.length > 28 ? `${name.slice(0, 27)}…` : name,
      ),
      svg('rect', {
        x: labelWidth,
        y: i * row + 4,
        width: Math.max(1, ((width - labelWidth - 50) * value) / max),
        height: row - 8,
        class: 's-refused',
      }),
      svg('text', { x: width - 44, y: i * row + 15 }, String(value)),
    ]),
  );
}
