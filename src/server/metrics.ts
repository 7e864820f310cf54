/**
 * Counters in the Prometheus text format (version 0.0.4): requests by route and status,
 * plus gauges the health route fills from the store and the trigger runner.
 */
export interface Metrics {
  countRequest(method: string, route: string, status: number): void;
  /** The exposition text, with the gauges given for this scrape. */
  render(gauges: Gauge[]): string;
}

export interface Gauge {
  name: string;
  help: string;
  type?: 'gauge' | 'counter';
  samples: { labels?: Record<string, string>; value: number }[];
}

export function createMetrics(): Metrics {
  const requests = new Map<string, number>();
  return {
    countRequest(method, route, status) {
      const key = JSON.stringify([method, route, String(status)]);
      requests.set(key, (requests.get(key) ?? 0) + 1);
    },
    render(gauges) {
      const all: Gauge[] = [
        { name: 'mailbridge_http_requests_total', help: 'HTTP requests served, by method, route and status', type: 'counter',
          samples: [...requests].map(([k, value]) => {
            const [method, route, status] = JSON.parse(k) as [string, string, string];
            return { labels: { method, route, status }, value };
          }) },
        ...gauges,
      ];
      return `${all.map(render).join('\n')}\n`;
    },
  };
}

function render(g: Gauge): string {
  const lines = [`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} ${g.type ?? 'gauge'}`];
  for (const s of g.samples) {
    const labels = s.labels && Object.keys(s.labels).length > 0
      ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`
      : '';
    lines.push(`${g.name}${labels} ${s.value}`);
  }
  return lines.join('\n');
}
