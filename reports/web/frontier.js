
// Cost of one item: the summary's figure where it has one, else the total over the samples.
function costPerItem(r) {
  if (r.cost_per_item_usd != null) return r.cost_per_item_usd;
  return r.cost_usd != null && r.n > 0 ? r.cost_usd / r.n : null;
}

// The frontier's x axes. Each reads a result (or an overall row) as {x, lo, hi}; lower cost and
// higher speed are better.
const FRONTIER_AXES = {
  item: {name: 'cost per item', short: 'per item', fmt: usd, better: 'low',
         point: r => ({x: costPerItem(r)})},
  correct: {name: 'cost per correct answer', short: 'per correct answer', fmt: usd, better: 'low',
            point: r => ({x: r.cost_per_correct_usd, lo: r.cost_per_correct_ci_low_usd,
                          hi: r.cost_per_correct_ci_high_usd})},
  speed: {name: 'decode tokens/s', short: 'tokens/s', fmt: rate, better: 'high',
          point: r => ({x: r.speed ? r.speed.decode_tokens_per_s : null})},
};

// The points not beaten: no other point is at least as good on x and better on accuracy.
function paretoFront(points, better) {
  const sorted = points.slice().sort((a, b) => (better === 'low' ? a.x - b.x : b.x - a.x) || b.y - a.y);
  const front = [];
  for (const p of sorted) if (!front.length || p.y > front[front.length - 1].y) front.push(p);
  return front;
}

// Labels' width estimated from their length (12px system-ui: about 6.6px a character).
function textWidth(s) { return 6.6 * s.length; }

// Where a point's label goes: above it, else below, else further out, the first place that does
// not overlap a label placed before (models often tie on accuracy).
function labelBox(placed, x, cy, text) {
  const w = textWidth(text), h = 13;
  for (const dy of [-7, 16, -20, 29, -33, 42, -46, 55]) {
    const box = {x, y: cy + dy, w, h};
    if (box.y - h < 0) continue;
    if (!placed.some(b => box.x < b.x + b.w && b.x < box.x + w && box.y - h < b.y && b.y - h < box.y)) {
      placed.push(box);
      return box;
    }
  }
  const box = {x, y: cy - 7, w, h};
  placed.push(box);
  return box;
}

// Accuracy (y, with its interval) against one axis (x, with its interval where known); labelled
// points, the Pareto front as a dashed step line.
function frontierChart(rows, axis) {
  const pts = [];
  for (const r of rows) {
    const p = axis.point(r);
    if (r.accuracy == null || p.x == null || !(p.x > 0)) continue;
    pts.push({label: r.label, x: p.x, lo: p.lo, hi: p.hi, y: r.accuracy, ylo: r.ci_low, yhi: r.ci_high});
  }
  const caption = el('figcaption', {class: 'note'});
  const figure = el('figure', {class: 'plot frontier-chart', 'data-axis': axis.short, 'data-points': pts.length});
  if (!pts.length) {
    caption.textContent = 'Accuracy against ' + axis.name + ': no model here has one.';
    figure.append(caption);
    return figure;
  }
  const W = 560, H = 320, L = 52, R = 24, T = 22, B = 42;
  const xs = pts.flatMap(p => [p.x, p.lo, p.hi]).filter(v => v != null && v > 0);
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  const log = x1 / x0 > 20;
  if (log) { x0 = Math.log10(x0) - 0.15; x1 = Math.log10(x1) + 0.15; }
  else { x0 = 0; x1 = x1 * 1.1; }
  const ys = pts.flatMap(p => [p.y, p.ylo, p.yhi]).filter(v => v != null);
  const y0 = Math.max(0, Math.floor((Math.min(...ys) - 0.05) * 10) / 10);
  const y1 = Math.min(1, Math.ceil((Math.max(...ys) + 0.05) * 10) / 10);
  const fx = v => L + ((log ? Math.log10(v) : v) - x0) / (x1 - x0 || 1) * (W - L - R);
  const fy = a => T + (y1 - a) / (y1 - y0 || 1) * (H - T - B);
  const g = svg('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'accuracy against ' + axis.name});
  for (const t of niceTicks(y0, y1, 5)) {
    g.append(svg('line', {x1: L, x2: W - R, y1: fy(t), y2: fy(t), stroke: '#eaeef2'}));
    g.append(svg('text', {x: L - 8, y: fy(t) + 4, 'text-anchor': 'end'}, pct(t).replace('.0%', '%')));
  }
  const xt = log ? niceTicks(Math.ceil(x0), Math.floor(x1), Math.max(1, Math.floor(x1) - Math.ceil(x0)))
                     .map(p => Math.pow(10, p))
                 : niceTicks(0, x1, 5);
  for (const t of xt) {
    if (t <= 0 && log) continue;
    g.append(svg('line', {x1: fx(t), x2: fx(t), y1: T, y2: H - B, stroke: '#eaeef2'}));
    g.append(svg('text', {x: fx(t), y: H - B + 16, 'text-anchor': 'middle'}, axis.fmt(t)));
  }
  g.append(svg('text', {x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle'},
               axis.name + (log ? ' (log scale)' : '')));
  g.append(svg('text', {x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle',
                        transform: `rotate(-90 14 ${(T + H - B) / 2})`}, 'accuracy'));
  const front = paretoFront(pts, axis.better);
  let d = '';
  front.forEach((p, i) => { d += i === 0 ? `M${fx(p.x)},${fy(p.y)}` : `H${fx(p.x)}V${fy(p.y)}`; });
  g.append(svg('path', {d, class: 'front', fill: 'none', stroke: '#0969da', 'stroke-width': 1.5,
                        'stroke-dasharray': '4 3'}));
  const placed = [];
  for (const p of pts) {
    const cx = fx(p.x), cy = fy(p.y), onFront = front.includes(p);
    if (p.ylo != null && p.yhi != null) {
      g.append(svg('line', {x1: cx, x2: cx, y1: fy(p.ylo), y2: fy(p.yhi), class: 'errbar', stroke: '#8c959f'}));
    }
    if (p.lo != null && p.hi != null && p.lo > 0) {
      g.append(svg('line', {x1: fx(p.lo), x2: fx(p.hi), y1: cy, y2: cy, class: 'errbar', stroke: '#8c959f'}));
    }
    const tip = p.label + ': ' + pct(p.y) + (p.ylo != null ? ' [' + pct(p.ylo) + ', ' + pct(p.yhi) + ']' : '') +
                ' at ' + axis.fmt(p.x) + (p.lo != null ? ' [' + axis.fmt(p.lo) + ', ' + axis.fmt(p.hi) + ']' : '') +
                (onFront ? ', on the front' : '');
    g.append(svg('circle', {cx, cy, r: 5, class: onFront ? 'point on-front' : 'point',
                            fill: onFront ? '#0969da' : '#fff', stroke: onFront ? '#0969da' : '#8c959f',
                            'stroke-width': 1.5}, svg('title', null, tip)));
    const right = cx < W - 140;
    const box = labelBox(placed, right ? cx + 7 : cx - 7 - textWidth(p.label), cy, p.label);
    g.append(svg('text', {x: box.x, y: box.y, class: 'label'}, p.label));
  }
  const intervals = pts.some(p => p.lo != null) ? 'both axes: ' + confidence + '% bootstrap intervals'
                                                : 'accuracy: ' + confidence + '% bootstrap interval; ' +
                                                  axis.name + ' without one';
  caption.textContent = 'Accuracy against ' + axis.name + '. Filled points are on the Pareto front (no ' +
    'model is both ' + (axis.better === 'low' ? 'cheaper' : 'faster') + ' and more accurate). Error bars, ' +
    intervals + '.';
  figure.prepend(g);
  figure.append(caption);
  return figure;
}

// One row per result of a suite, labelled as in the leaderboards.
function suiteRows(suite) {
  return suite.ranked.map(i => Object.assign({label: label(data.results[i])}, data.results[i]))
                     .filter(r => r.accuracy != null);
}

// Models that ran every suite with an accuracy: the mean of their suites' accuracies (each suite
// weighs the same), its interval from the suites' intervals by the normal approximation (suites
// independent: half-widths added in quadrature, divided by the number of suites), cost and
// decode speed pooled over all their samples. The interval of cost per correct is left out.
function overallRows() {
  const suites = data.suites.map(suiteRows).filter(rows => rows.length);
  if (!suites.length) return {rows: [], suites: 0};
  const byLabel = new Map();
  for (const rows of suites) for (const r of rows) (byLabel.get(r.label) || byLabel.set(r.label, []).get(r.label)).push(r);
  const rows = [];
  for (const [name, rs] of byLabel) {
    if (rs.length !== suites.length) continue;
    const k = rs.length;
    const acc = rs.reduce((a, r) => a + r.accuracy, 0) / k;
    const half = Math.sqrt(rs.reduce((a, r) => a + Math.pow((r.ci_high - r.ci_low) / 2, 2), 0)) / k;
    const priced = rs.every(r => r.cost_usd != null);
    const cost = priced ? rs.reduce((a, r) => a + r.cost_usd, 0) : null;
    const n = rs.reduce((a, r) => a + r.n, 0);
    const correct = rs.reduce((a, r) => a + (r.correct || 0), 0);
    const timed = rs.filter(r => r.speed && r.speed.decode_tokens_per_s != null);
    const tokens = timed.reduce((a, r) => a + r.speed.decode_tokens, 0);
    const seconds = timed.reduce((a, r) => a + r.speed.decode_seconds, 0);
    rows.push({label: name, accuracy: acc, ci_low: Math.max(0, acc - half), ci_high: Math.min(1, acc + half),
               n, cost_usd: cost, cost_per_item_usd: cost != null && n ? cost / n : null,
               cost_per_correct_usd: cost != null && correct ? cost / correct : null,
               speed: {decode_tokens_per_s: timed.length === k && seconds > 0 ? tokens / seconds : null}});
  }
  return {rows, suites: suites.length};
}

// The frontier section (<section id="frontier">): a view (overall or one suite) and a cost basis
// chosen above two charts, accuracy against cost and against decode speed.
function frontierSection(section) {
  if (!section) return;
  const views = data.suites.filter(s => suiteRows(s).length).map(s => ({name: s.name, rows: suiteRows(s)}));
  if (!views.length) { section.hidden = true; return; }
  const overall = overallRows();
  if (views.length > 1) views.unshift({name: 'Overall', rows: overall.rows, overall: true});
  const hasCostCi = data.results.some(r => r.cost_per_correct_ci_low_usd != null);
  const state = {view: views.findIndex(v => v.rows.length), cost: hasCostCi ? 'correct' : 'item'};
  const select = el('select', {'aria-label': 'frontier of'});
  views.forEach((v, i) => select.append(el('option', {value: String(i)}, v.name)));
  select.value = String(state.view);
  const seg = el('div', {class: 'seg', role: 'group', 'aria-label': 'cost basis'});
  const costButtons = ['item', 'correct'].map(key => {
    const b = el('button', {type: 'button', 'data-cost': key}, FRONTIER_AXES[key].short);
    b.addEventListener('click', () => { state.cost = key; render(); });
    seg.append(b);
    return b;
  });
  const note = el('p', {class: 'note'});
  const plots = el('div', {class: 'plots'});
  function render() {
    const v = views[state.view];
    section.dataset.view = v.name;
    costButtons.forEach(b => b.setAttribute('aria-pressed', String(b.dataset.cost === state.cost)));
    plots.replaceChildren(frontierChart(v.rows, FRONTIER_AXES[state.cost]),
                          frontierChart(v.rows, FRONTIER_AXES.speed));
    note.textContent = !v.overall ? '' : !v.rows.length
      ? 'No model ran all ' + overall.suites + ' suites: pick a suite.'
      : 'Overall: the models that ran all ' + overall.suites + ' suites; accuracy is the mean over the ' +
        'suites (each weighs the same), its interval from theirs (normal approximation); cost and ' +
        'tokens/s pooled over all their samples.';
  }
  select.addEventListener('change', () => { state.view = Number(select.value); render(); });
  render();
  section.append(el('h2', null, 'Frontier'),
                 el('p', {class: 'suite-meta'}, 'Accuracy against cost and speed: the models worth ' +
                    'considering are on the dashed line.'),
                 el('div', {class: 'controls'}, select, seg), note, plots);
}
