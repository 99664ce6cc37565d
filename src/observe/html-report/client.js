// The report page's script (inlined into report.html after uPlot). It reads the report data
// embedded in the page, draws one uPlot chart per view, shades fault windows and the failing
// judgements' windows on every chart (as DOM overlays in uPlot's plot area, so they stay
// inspectable), and exposes everything as `window.chainlabReport` for scripting.
(() => {
  const data = JSON.parse(document.getElementById('chainlab-report-data').textContent);
  const charts = {};
  const syncKey = 'chainlab';

  const fmtS = (v) => (v == null ? '–' : `${v.toFixed(1)}s`);

  /** Greedy lanes so labels of overlapping windows do not cover each other. */
  function assignLanes(bands) {
    const ends = [];
    for (const b of [...bands].sort((a, c) => a.from - c.from)) {
      let lane = ends.findIndex((end) => end < b.from);
      if (lane === -1) {
        lane = ends.length;
        ends.push(b.to);
      } else ends[lane] = b.to;
      b.lane = lane;
    }
    return bands;
  }

  function windowBands() {
    const kindColor = new Map(data.faultKinds.map((k) => [k.kind, k.color]));
    const faults = data.faults.map((f, i) => ({
      from: f.from,
      to: f.to,
      label: f.description,
      title: `${f.description}: ${fmtS(f.from)}..${f.open ? 'still active at the end' : fmtS(f.to)}`,
      color: kindColor.get(f.kind),
      className: 'band fault-band',
      attrs: { 'data-kind': f.kind, 'data-nodes': f.nodes.join(','), 'data-index': String(i) },
    }));
    const failures = data.failures.map((f, i) => ({
      from: f.from,
      to: f.to,
      label: `✗ ${f.matcher ?? 'failed'}${f.test ? ` (${f.test})` : ''}`,
      title: f.message,
      className: 'band failure-band',
      attrs: { 'data-failure': String(i), 'data-matcher': f.matcher ?? '' },
    }));
    const marks = data.marks.map((m) => ({
      from: m.at,
      to: m.at,
      label: m.detail ? `${m.label}: ${m.detail}` : m.label,
      title: `${m.label} at ${fmtS(m.at)}${m.detail ? `: ${m.detail}` : ''}`,
      className: 'band mark-band',
      attrs: { 'data-mark': m.label },
    }));
    // Fault labels stack from the top; failure and mark labels sit at the bottom (CSS).
    assignLanes(faults);
    return [...faults, ...failures, ...marks];
  }

  /** A uPlot plugin that keeps one positioned element per window in the plot overlay. */
  function bandsPlugin(bands) {
    let elements = [];
    const place = (u) => {
      const width = u.over.clientWidth;
      for (const { band, el } of elements) {
        const left = u.valToPos(band.from, 'x');
        const right = u.valToPos(band.to, 'x');
        const visible = right >= 0 && left <= width;
        el.style.display = visible ? '' : 'none';
        if (!visible) continue;
        const l = Math.max(0, left);
        el.style.left = `${l}px`;
        el.style.width = `${Math.max(1, Math.min(width, right) - l)}px`;
        // A label that would run past the plot's right edge ends at its band's right edge.
        const label = el.firstChild;
        const flip = l + label.offsetWidth + 4 > width;
        label.style.left = flip ? 'auto' : '';
        label.style.right = flip ? '2px' : '';
      }
    };
    return {
      hooks: {
        init: (u) => {
          const layer = document.createElement('div');
          layer.className = 'bands';
          elements = bands.map((band) => {
            const el = document.createElement('div');
            el.className = band.className;
            el.title = band.title;
            if (band.color) el.style.setProperty('--band-color', band.color);
            for (const [k, v] of Object.entries(band.attrs)) el.setAttribute(k, v);
            const label = document.createElement('span');
            label.className = 'band-label';
            label.textContent = band.label;
            if (band.lane !== undefined) label.style.top = `${2 + band.lane * 15}px`;
            el.append(label);
            layer.append(el);
            return { band, el };
          });
          u.over.append(layer);
        },
        draw: place,
      },
    };
  }

  function xAxis() {
    return { label: 'time since start', values: (_u, vals) => vals.map((v) => `${v}s`) };
  }

  /** Zoom one chart, zoom them all (drag to zoom, double-click to reset). */
  let syncing = false;
  function syncScales(u, key) {
    if (key !== 'x' || syncing) return;
    syncing = true;
    try {
      const { min, max } = u.scales.x;
      for (const other of Object.values(charts))
        if (other !== u && other.scales.x) other.setScale('x', { min, max });
    } finally {
      syncing = false;
    }
  }

  function baseOptions(target, yLabel, series, bands) {
    return {
      width: Math.max(320, target.clientWidth),
      height: 260,
      scales: { x: { time: false } },
      axes: [xAxis(), { label: yLabel }],
      cursor: { sync: { key: syncKey } },
      series: [{ label: 't', value: (_u, v) => (v == null ? '–' : `t=${v.toFixed(1)}s`) }, ...series],
      plugins: [bandsPlugin(bands)],
      hooks: { setScale: [syncScales] },
    };
  }

  const nodeColor = new Map(data.nodes.map((n) => [n.name, n.color]));

  function nodeSeries(chart, stepped) {
    // Nodes that agree draw on top of each other; earlier ones a little wider stay visible.
    return chart.series.map((s, i) => ({
      label: s.label,
      stroke: nodeColor.get(s.label) ?? '#333',
      width: Math.max(1.25, 3.5 - 0.5 * i),
      spanGaps: false,
      points: { show: false },
      ...(stepped ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
    }));
  }

  function nodeChart(id, chart, yLabel, bands, stepped) {
    const target = document.querySelector(`#${id} .plot`);
    const opts = baseOptions(target, yLabel, nodeSeries(chart, stepped), bands);
    return new uPlot(opts, [chart.x, ...chart.series.map((s) => s.values)], target);
  }

  function latencyChart(bands) {
    const target = document.querySelector('#chart-latency .plot');
    const l = data.latency;
    // Percentile lines per bucket and one point per tx on one x axis; uPlot.join marks what
    // one table lacks at the other's x as "no data" (joined over), keeping real gaps.
    const joined = uPlot.join([
      [l.buckets.x, l.buckets.p50, l.buckets.p95, l.buckets.p99],
      [l.points.x, l.points.y],
    ]);
    const stepped = uPlot.paths.stepped({ align: 1 });
    const line = (label, stroke) => ({
      label,
      stroke,
      width: 2,
      paths: stepped,
      points: { show: false },
      value: (_u, v) => fmtS(v),
    });
    const series = [
      line('p50', '#2a9d8f'),
      line('p95', '#e9c46a'),
      line('p99', '#e76f51'),
      {
        label: 'tx',
        stroke: 'rgba(60, 60, 120, 0.45)',
        paths: () => null,
        points: { show: true, size: 3, fill: 'rgba(60, 60, 120, 0.35)' },
        value: (_u, v) => fmtS(v),
      },
    ];
    const opts = baseOptions(target, 'seconds to inclusion', series, bands);
    return new uPlot(opts, joined, target);
  }

  function draw() {
    const bands = windowBands();
    charts.height = nodeChart('chart-height', data.height, 'tip height', bands, true);
    charts.final = nodeChart('chart-final', data.final, 'final height', bands, true);
    charts.production = nodeChart(
      'chart-production',
      data.production,
      `blocks per ${data.production.bucketSeconds}s`,
      bands,
      true,
    );
    if (data.clock) charts.clock = nodeChart('chart-clock', data.clock, 'clock offset (ms)', bands, true);
    charts.latency = latencyChart(bands);
    let pending = 0;
    window.addEventListener('resize', () => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => {
        for (const [id, u] of Object.entries(charts)) {
          const el = document.querySelector(`#chart-${id} .plot`);
          u.setSize({ width: Math.max(320, el.clientWidth), height: 260 });
        }
      });
    });
  }

  draw();
  window.chainlabReport = { data, charts };
  document.documentElement.dataset.ready = 'true';
})();
