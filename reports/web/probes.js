
const PROBE_COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bc4c00', '#1b7c83', '#bf3989', '#6e7781'];
// A CDF chart spans orders of magnitude (a queue behind a saturated server) beyond this max / min.
const LOG_RATIO = 50;

function ms(x) {
  if (x == null) return NONE;
  if (x < 1) return x.toFixed(3);
  if (x < 10) return x.toFixed(2);
  return x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US');
}
function perSec(x) { return x == null ? NONE : x < 100 ? x.toFixed(2) : Math.round(x).toLocaleString('en-US'); }
function loadLabel(s) {
  if (s.load === 'rate') return s.load_value == null ? 'rate \u221e (all at once)' : 'rate ' + s.load_value + '/s';
  return s.load + ' ' + s.load_value;
}
function probeName(p) { return p.model + ' \u00b7 ' + p.run; }
// A distribution's statistic, or null when no request succeeded (count 0 holds zeros, not times).
function stat(step, metric, which) {
  const d = step[metric];
  return d && d.count > 0 ? d[which] : null;
}
function tickText(t) { return Number(t.toPrecision(6)).toLocaleString('en-US'); }

// An axis over `values`: logarithmic when they span more than logRatio (max / min), else linear,
// from 0 when `zero` (throughput, latency against it) or around the values (a CDF's latencies).
// `at` maps a value into [0, 1].
function axis(values, logRatio, zero) {
  const v = values.filter(x => x != null && x > 0);
  let min = v.length ? Math.min(...v) : 1, max = v.length ? Math.max(...v) : 1;
  if (logRatio && max / min > logRatio) {
    const pad = 0.04 * (Math.log10(max) - Math.log10(min));
    const d0 = Math.log10(min) - pad, d1 = Math.log10(max) + pad;
    const decades = [];
    for (let e = Math.floor(d0); e <= Math.ceil(d1); e++) decades.push(e);
    const mults = decades.length > 4 ? [1] : [1, 2, 5];
    const ticks = decades.flatMap(e => mults.map(m => m * Math.pow(10, e)))
                         .filter(t => Math.log10(t) >= d0 && Math.log10(t) <= d1);
    return {log: true, ticks, at: x => (Math.log10(x) - d0) / (d1 - d0)};
  }
  if (zero) min = 0;
  if (max - min < 1e-9 * max) { min *= 0.5; max *= 1.5; }  // one value: niceTicks needs a span
  const ticks = niceTicks(min, max, 5);
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : max - min;
  if (ticks[0] > min) ticks.unshift(ticks[0] - step);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  const lo = ticks[0], hi = ticks[ticks.length - 1];
  return {log: false, ticks, at: x => (x - lo) / (hi - lo)};
}

// A chart's frame: grid, ticks and axis labels, as frontierChart (frontier.js) draws them.
// Returns the <svg> and the value-to-pixel maps.
function chartFrame(o) {
  const {W, H, L = 58, R = 16, T = 12, B = 42} = o;
  const g = svg('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': o.aria, class: o.cls || ''});
  const px = x => L + o.x.at(x) * (W - L - R);
  const py = y => H - B - o.y.at(y) * (H - T - B);
  for (const t of o.y.ticks) {
    g.append(svg('line', {x1: L, x2: W - R, y1: py(t), y2: py(t), stroke: '#eaeef2'}));
    g.append(svg('text', {x: L - 8, y: py(t) + 4, 'text-anchor': 'end'}, (o.yFormat || tickText)(t)));
  }
  for (const t of o.x.ticks) {
    g.append(svg('line', {x1: px(t), x2: px(t), y1: T, y2: H - B, stroke: '#eaeef2'}));
    g.append(svg('text', {x: px(t), y: H - B + 16, 'text-anchor': 'middle'}, tickText(t)));
  }
  g.append(svg('line', {x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#8c959f'}));
  g.append(svg('line', {x1: L, x2: L, y1: T, y2: H - B, stroke: '#8c959f'}));
  g.append(svg('text', {x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle'},
               o.xLabel + (o.x.log ? ' (log scale)' : '')));
  g.append(svg('text', {x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle',
                        transform: `rotate(-90 14 ${(T + H - B) / 2})`}, o.yLabel + (o.y.log ? ' (log)' : '')));
  return {g, px, py};
}

function legend(items) {
  const ul = el('ul', {class: 'legend'});
  for (const it of items) {
    const key = svg('svg', {width: 28, height: 12, 'aria-hidden': 'true'},
      svg('line', {x1: 1, x2: 27, y1: 6, y2: 6, stroke: it.color, 'stroke-width': 2,
                   'stroke-dasharray': it.dash || 'none'}));
    if (it.marker) key.append(svg('circle', {cx: 14, cy: 6, r: 3.5, fill: it.marker, stroke: it.color, 'stroke-width': 1.5}));
    ul.append(el('li', null, key, it.text));
  }
  return ul;
}

// The steps of a latency probe with an output throughput, grouped by load kind in sweep order:
// a concurrency sweep and a rate sweep are two curves, not one.
function curves(p) {
  const byLoad = new Map();
  for (const s of p.document.steps) {
    if (s.ok > 0 && s.output_throughput != null) {
      if (!byLoad.has(s.load)) byLoad.set(s.load, []);
      byLoad.get(s.load).push(s);
    }
  }
  return Array.from(byLoad.values());
}

const LATENCY_SERIES = [
  {key: 'e2e-p50', metric: 'e2e_ms', which: 'median', name: 'E2E p50', marker: 'color'},
  {key: 'ttft-p50', metric: 'ttft_ms', which: 'median', name: 'TTFT p50', marker: '#fff'},
  {key: 'ttft-p99', metric: 'ttft_ms', which: 'p99', name: 'TTFT p99', dash: '5 4'},
];

// Latency (ms) against output tokens/s, one polyline per probe, load kind and series.
function throughputChart(probes, series, o) {
  const pts = probes.flatMap(p => curves(p).flat());
  const x = axis(pts.map(s => s.output_throughput), 0, true);
  const y = axis(pts.flatMap(s => series.map(k => stat(s, k.metric, k.which))), o.logRatio, true);
  const {g, px, py} = chartFrame({W: o.W, H: o.H, x, y, aria: o.aria, cls: 'probe-chart ' + o.cls,
                                  xLabel: 'output tokens/s', yLabel: o.yLabel});
  probes.forEach((p, i) => {
    const color = PROBE_COLORS[i % PROBE_COLORS.length];
    for (const steps of curves(p)) {
      for (const k of series) {
        const at = steps.filter(s => stat(s, k.metric, k.which) != null);
        g.append(svg('polyline', {points: at.map(s => px(s.output_throughput) + ',' + py(stat(s, k.metric, k.which))).join(' '),
          fill: 'none', stroke: color, 'stroke-width': 1.75, 'stroke-dasharray': k.dash || 'none',
          class: 'curve', 'data-probe': p.id, 'data-series': k.key, 'data-load': steps[0].load}));
        if (!k.marker) continue;
        for (const s of at) {
          const v = stat(s, k.metric, k.which);
          const shape = s.load === 'rate'
            ? svg('rect', {x: px(s.output_throughput) - 3.5, y: py(v) - 3.5, width: 7, height: 7})
            : svg('circle', {cx: px(s.output_throughput), cy: py(v), r: 3.5});
          shape.setAttribute('fill', k.marker === 'color' ? color : k.marker);
          shape.setAttribute('stroke', color);
          shape.setAttribute('stroke-width', 1.5);
          shape.append(svg('title', null, probeName(p) + ', ' + loadLabel(s) + ': ' + k.name + ' ' + ms(v) +
                           ' ms at ' + perSec(s.output_throughput) + ' output tokens/s'));
          g.append(shape);
        }
      }
    }
  });
  return g;
}

function latencyCharts(probes) {
  const main = throughputChart(probes, LATENCY_SERIES, {W: 720, H: 320, cls: 'latency-curve', logRatio: LOG_RATIO,
    aria: 'latency against output throughput', yLabel: 'latency (ms)'});
  const tpot = throughputChart(probes, [{key: 'tpot-p50', metric: 'tpot_ms', which: 'median', name: 'TPOT p50',
    marker: 'color'}], {W: 400, H: 320, cls: 'tpot-curve', logRatio: LOG_RATIO,
    aria: 'time per output token against output throughput', yLabel: 'TPOT p50 (ms)'});
  const names = probes.map((p, i) => ({color: PROBE_COLORS[i % PROBE_COLORS.length], text: probeName(p) + ' (probe ' + p.id + ')'}));
  const keys = LATENCY_SERIES.map(k => ({color: '#656d76', dash: k.dash, text: k.name,
                                        marker: k.marker && (k.marker === 'color' ? '#656d76' : '#fff')}));
  return el('div', {class: 'plots'},
    el('figure', {class: 'plot'}, main, legend(names.concat(keys)),
       el('figcaption', {class: 'note'}, 'Latency against output tokens/s, one point per load step ' +
          '(circles: concurrency steps, squares: rate steps, joined in sweep order). Failed requests ' +
          'are in no latency; the tables below count them.')),
    el('figure', {class: 'plot small'}, tpot,
       el('figcaption', {class: 'note'}, 'Time per output token after the first (p50) against ' +
          'output tokens/s.')));
}

// The empirical CDF of `metric` over one probe's requests, one polyline per load step.
function cdfChart(p, metric, title) {
  const steps = p.document.steps.filter(s => s.samples && (s.samples[metric] || []).some(t => t != null));
  const all = steps.flatMap(s => s.samples[metric]);
  const x = axis(all, LOG_RATIO, false);
  const y = {log: false, ticks: [0, 0.25, 0.5, 0.75, 1], at: v => v};
  const {g, px, py} = chartFrame({W: 470, H: 280, x, y, aria: title + ' CDF', cls: 'probe-chart cdf-chart',
                                  xLabel: title + ' (ms)', yLabel: 'fraction of requests', yFormat: t => String(t)});
  // Steps from blue to red in sweep order (a concurrency sweep: the heaviest load is the reddest).
  const n = p.document.steps.length;
  const color = s => {
    const i = p.document.steps.indexOf(s);
    return n < 2 ? PROBE_COLORS[0] : `hsl(${212 + 140 * i / (n - 1)}, 70%, 42%)`;
  };
  for (const s of steps) {
    const v = s.samples[metric].filter(t => t != null && (t > 0 || !x.log)).sort((a, b) => a - b);
    if (!v.length) continue;
    let pts = px(v[0]) + ',' + py(0);
    v.forEach((t, i) => { pts += ' ' + px(t) + ',' + py(i / v.length) + ' ' + px(t) + ',' + py((i + 1) / v.length); });
    g.append(svg('polyline', {points: pts, fill: 'none', stroke: color(s), 'stroke-width': 1.75,
                              class: 'cdf', 'data-metric': metric, 'data-step': s.step},
                 svg('title', null, loadLabel(s) + ': ' + v.length + ' requests')));
  }
  const items = p.document.steps.map(s => ({color: color(s),
    text: loadLabel(s) + (steps.includes(s) ? '' : ' (no successful request)')}));
  return el('figure', {class: 'plot small'}, g, legend(items));
}

function cdfView(probes) {
  const box = el('div', {class: 'plots'});
  const draw = p => box.replaceChildren(cdfChart(p, 'ttft_ms', 'TTFT'), cdfChart(p, 'e2e_ms', 'E2E latency'));
  const select = el('select', {'aria-label': 'probe', class: 'cdf-probe'});
  probes.forEach((p, i) => select.append(el('option', {value: String(i)}, probeName(p) + ' (probe ' + p.id + ')')));
  select.addEventListener('change', () => draw(probes[Number(select.value)]));
  draw(probes[0]);
  return el('div', {class: 'cdfs'}, el('h3', null, 'Latency distributions'),
    el('div', {class: 'controls'}, select,
       el('span', {class: 'note'}, 'Empirical CDFs of the successful requests of each load step.')), box);
}

function stepsTable(p) {
  const d = p.document, slo = d.slo || {};
  const goodput = Object.keys(slo).length > 0;
  const heads = ['Load', 'OK / sent', 'Failed', 'Req/s', 'Output tok/s', 'TTFT p50', 'TTFT p99', 'TPOT p50',
                 'TPOT p99', 'ITL p50', 'ITL p99', 'E2E p50', 'E2E p99'].concat(goodput ? ['Goodput'] : []);
  const head = el('tr', null, ...heads.map((h, i) => el('th', {class: i > 2 || i === 1 ? 'num' : null}, h)));
  const body = el('tbody');
  for (const s of d.steps) {
    const kinds = Object.entries(s.failures || {}).map(([k, n]) => n + ' ' + k).join(', ');
    const tr = el('tr', {class: 'step-row'}, el('td', null, loadLabel(s)),
      el('td', {class: 'num'}, s.ok + ' / ' + s.requests),
      el('td', null, s.failed ? el('span', {class: 'pill bad has-tip', title: kinds}, s.failed + ' (' + kinds + ')') : '0'),
      el('td', {class: 'num'}, perSec(s.request_throughput)),
      el('td', {class: 'num'}, perSec(s.output_throughput)));
    for (const m of ['ttft_ms', 'tpot_ms', 'itl_ms', 'e2e_ms']) {
      tr.append(el('td', {class: 'num'}, ms(stat(s, m, 'median'))), el('td', {class: 'num'}, ms(stat(s, m, 'p99'))));
    }
    if (goodput) tr.append(el('td', {class: 'num', title: s.good + ' of ' + s.ok + ' ok requests met the SLOs'},
                              perSec(s.goodput) + ' (' + s.good + ')'));
    body.append(tr);
  }
  const slos = [['ttft_ms', 'TTFT'], ['tpot_ms', 'TPOT'], ['e2e_ms', 'E2E']].filter(([k]) => slo[k] != null)
                 .map(([k, n]) => n + ' \u2264 ' + slo[k] + ' ms').join(', ');
  const c = d.config || {};
  return el('div', null,
    el('div', {class: 'table-wrap'}, el('table', {class: 'steps'}, el('thead', null, head), body)),
    el('p', {class: 'note'}, 'Latencies in ms; failed requests are counted apart and never enter a latency. ' +
       (d.engine || '') + (c.input_tokens != null ? '; ' + c.input_tokens + ' input and ' + c.output_tokens +
       ' output tokens asked per request' : '') + '.' +
       (goodput ? ' Goodput: successful requests per second meeting ' + slos + '.' : '')));
}

function figureRows(p) {
  const body = el('tbody');
  for (const [name, value] of p.figure_rows || []) body.append(el('tr', null, el('th', null, name), el('td', null, value)));
  const out = el('div', null, el('div', {class: 'table-wrap'}, el('table', {class: 'figures'}, body)));
  const list = (p.document || {}).assumptions || [];
  if (list.length) {
    out.append(el('details', {class: 'assumptions'}, el('summary', null, 'Assumptions (' + list.length + ')'),
                  el('ul', null, ...list.map(a => el('li', null, a)))));
  }
  return out;
}

function probeBlock(p) {
  const d = p.document;
  const title = p.kind + (p.model ? ': ' + p.model : '') + ' \u00b7 ' + p.run;
  const block = el('div', {class: 'probe', id: 'probe-' + p.id, 'data-kind': p.kind},
    el('h3', null, title, el('span', {class: 'muted'}, ' probe ' + p.id)));
  if (!d) {
    block.append(el('p', {class: 'notice'}, 'Its stored document ' + (p.document_error || 'is missing') + '.'));
    return block;
  }
  block.append(el('p', {class: 'suite-meta'}, (d.started_at || p.created_at) + ' to ' + (d.finished_at || NONE)));
  if (p.kind === 'latency' && Array.isArray(d.steps)) block.append(stepsTable(p));
  else if (p.figure_rows) block.append(figureRows(p));
  else block.append(el('p', {class: 'note'}, 'A probe kind this report does not draw; the JSON report holds its document.'));
  return block;
}

function unfinishedProbes(probes) {
  const body = el('tbody');
  for (const p of probes) {
    body.append(el('tr', {class: 'unfinished-row'}, el('td', {class: 'num'}, String(p.id)), el('td', null, p.kind),
      el('td', null, p.model || NONE), el('td', null, p.run), el('td', null, p.created_at),
      el('td', {class: 'num'}, p.requests_stored + (p.requests_failed ? ' (' + p.requests_failed + ' failed)' : ''))));
  }
  const head = el('tr', null, ...['Probe', 'Kind', 'Model', 'Run', 'Started (UTC)', 'Requests stored']
                                  .map((h, i) => el('th', {class: i === 0 || i === 5 ? 'num' : null}, h)));
  return el('div', {class: 'probe'}, el('h3', null, 'Unfinished probes ', el('span', {class: 'pill warn'}, 'unfinished')),
    el('p', {class: 'note'}, 'Killed before they wrote their document; the requests they measured are in the ' +
       'store\'s probe_requests table.'),
    el('div', {class: 'table-wrap'}, el('table', null, el('thead', null, head), body)));
}

function probesSection(probes) {
  if (!probes.length) return null;
  const section = el('section', {class: 'probes', id: 'probes'}, el('h2', null, 'Probes'),
    el('p', {class: 'suite-meta'}, 'Stored by rbench probe latency | memory | ceiling | decode --db'));
  const latency = probes.filter(p => p.kind === 'latency' && p.document && Array.isArray(p.document.steps));
  if (latency.length) {
    section.append(el('h3', null, 'Latency against throughput'), latencyCharts(latency), cdfView(latency));
  }
  for (const p of probes.filter(p => p.status === 'finished')) section.append(probeBlock(p));
  const unfinished = probes.filter(p => p.status !== 'finished');
  if (unfinished.length) section.append(unfinishedProbes(unfinished));
  return section;
}
