
const data = JSON.parse(document.getElementById('rbench-data').textContent);
const NONE = '\u2014';
const SVGNS = 'http://www.w3.org/2000/svg';

function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids) if (kid !== null && kid !== undefined && kid !== false) e.append(kid);
  return e;
}
function svg(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const kid of kids) e.append(kid);
  return e;
}

function pct(x) { return x == null ? NONE : (100 * x).toFixed(1) + '%'; }
function tok(x) { return x == null ? NONE : Math.round(x).toLocaleString('en-US'); }
function secs(x) {
  if (x == null) return NONE;
  if (x < 1) return Math.round(x * 1000) + ' ms';
  return x < 100 ? x.toFixed(2) + ' s' : Math.round(x) + ' s';
}
function usd(x) {
  if (x == null) return NONE;
  if (x === 0) return '$0';
  if (x >= 100) return '$' + x.toFixed(0);
  if (x >= 1) return '$' + x.toFixed(2);
  if (x >= 0.01) return '$' + x.toFixed(3);
  return '$' + x.toPrecision(2);
}
function label(r) { return data.multi_run ? r.model + ' \u00b7 ' + r.run : r.model; }
function slug(s) { return 'suite-' + s.replace(/[^A-Za-z0-9_-]+/g, '-'); }
const confidence = Math.round(100 * data.confidence);

function accuracyCell(r) {
  if (r.accuracy == null) return el('span', {class: 'muted', title: 'nothing scored'}, NONE);
  const range = el('div', {class: 'cibar-range'});
  range.style.left = (100 * r.ci_low) + '%';
  range.style.width = (100 * (r.ci_high - r.ci_low)) + '%';
  const point = el('div', {class: 'cibar-point'});
  point.style.left = (100 * r.accuracy) + '%';
  return el('div', {class: 'acc'},
    el('span', {class: 'acc-value'}, pct(r.accuracy)),
    el('span', {class: 'acc-ci', title: confidence + '% bootstrap confidence interval'},
       '[' + (100 * r.ci_low).toFixed(1) + ', ' + (100 * r.ci_high).toFixed(1) + ']'),
    el('div', {class: 'cibar', 'aria-hidden': 'true'}, range, point));
}

function errorsCell(r) {
  if (!r.errors) return '0';
  const kinds = Object.entries(r.errors_by_kind).map(([k, n]) => n + ' ' + k).join(', ');
  return el('span', {class: 'pill bad has-tip', title: kinds}, String(r.errors));
}

function truncatedCell(r) {
  if (!r.truncated) return '0';
  return el('span', {class: 'pill warn has-tip',
    title: r.truncated + ' cut at the token limit (finish_reason = length), ' +
           r.truncated_wrong + ' of them scored wrong'},
    r.truncated + ' (' + r.truncated_wrong + ' wrong)');
}

function latencyCell(r) {
  const l = r.latency;
  if (l.e2e_mean_s == null) return NONE;
  return el('span', {class: 'has-tip',
    title: 'end to end: mean ' + secs(l.e2e_mean_s) + ', p50 ' + secs(l.e2e_p50_s) + ', p90 ' +
           secs(l.e2e_p90_s) + '; time to first token: mean ' + secs(l.ttft_mean_s)},
    secs(l.e2e_mean_s));
}

function perCorrectCell(r) {
  if (r.cost_per_correct_usd != null && r.cost_per_correct_ci_low_usd != null) {
    return el('span', null, usd(r.cost_per_correct_usd) + ' ',
              el('span', {class: 'cost-ci'}, '[' + usd(r.cost_per_correct_ci_low_usd) + ', ' +
                                        usd(r.cost_per_correct_ci_high_usd) + ']'));
  }
  if (r.cost_per_correct_usd != null) return usd(r.cost_per_correct_usd);
  return el('span', {class: 'muted has-tip', title: r.cost_per_correct_note || 'unknown'}, NONE);
}

const COLUMNS = [
  {label: '#', num: true, value: (r, i) => i + 1, cell: (r, i) => String(i + 1), cls: 'rank'},
  {label: 'Model', value: r => label(r), cell: r => el('span', {class: 'model'}, r.model,
     data.multi_run ? el('span', {class: 'run'}, r.run) : null)},
  {label: 'Accuracy (' + confidence + '% CI)', num: true, value: r => r.accuracy, cell: accuracyCell},
  {label: 'Correct', num: true, value: r => r.pairwise ? null : r.correct,
   cell: r => r.pairwise ? NONE : r.correct + ' / ' + r.scored,
   title: 'correct / scored (samples without error)'},
  {label: 'n', num: true, value: r => r.n, cell: r => String(r.n), title: 'samples stored'},
  {label: 'Errors', num: true, value: r => r.errors, cell: errorsCell},
  {label: 'Truncated', num: true, value: r => r.truncated, cell: truncatedCell,
   title: 'answers cut at the token limit; how many of them were wrong'},
  {label: 'Output tok', num: true, value: r => r.tokens.completion_mean,
   cell: r => tok(r.tokens.completion_mean), title: 'mean completion tokens (reasoning included)'},
  {label: 'Reasoning tok', num: true, value: r => r.tokens.reasoning_mean,
   cell: r => tok(r.tokens.reasoning_mean), title: 'mean reasoning tokens'},
  {label: 'Latency', num: true, value: r => r.latency.e2e_mean_s, cell: latencyCell,
   title: 'mean end-to-end seconds per request'},
  {label: 'Cost', num: true, value: r => r.cost_usd, cell: r => usd(r.cost_usd), title: 'total USD'},
  {label: 'Cost / correct', num: true, value: r => r.cost_per_correct_usd, cell: perCorrectCell,
   title: 'total cost divided by correct answers, with its bootstrap interval over items'},
];

// Click a header to sort by it (numbers numerically, unknown values always last).
function sortTable(table, col, th) {
  const desc = th.dataset.dir !== 'desc';
  for (const h of table.tHead.rows[0].cells) { h.dataset.dir = ''; h.querySelector('.arrow').textContent = ''; }
  th.dataset.dir = desc ? 'desc' : 'asc';
  th.querySelector('.arrow').textContent = desc ? '\u25be' : '\u25b4';
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const key = row => row.sortKeys[col];
  rows.sort((a, b) => {
    const x = key(a), y = key(b);
    if (x == null || y == null) return (x == null) - (y == null);
    const c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
    return desc ? -c : c;
  });
  body.append(...rows);
}

// pass@k for every k above 1 some result has, cons@k (majority vote) where present, and how code executions ended, where present.
function extraColumns(ranked) {
  const ks = Array.from(new Set(ranked.flatMap(r => r.pass_at_k.map(p => p.k))))
                  .filter(k => k > 1).sort((a, b) => a - b);
  const cols = ks.map(k => {
    const find = r => r.pass_at_k.find(p => p.k === k && p.items > 0);
    return {label: 'pass@' + k, num: true, value: r => (find(r) || {}).value,
      title: 'unbiased pass@' + k + ' over items, ' + confidence + '% bootstrap CI over items',
      cell: r => {
        const p = find(r);
        if (!p) return el('span', {class: 'muted', title: 'fewer than ' + k + ' samples per item'}, NONE);
        return el('span', {class: 'has-tip', title: pct(p.ci_low) + ' to ' + pct(p.ci_high) +
                  (p.skipped_items ? ' (' + p.skipped_items + ' items with fewer samples left out)' : '')},
                  pct(p.value));
      }};
  });
  if (ranked.some(r => r.cons_at_k)) {
    const ks = Array.from(new Set(ranked.filter(r => r.cons_at_k).map(r => r.cons_at_k.k)));
    cols.push({label: 'cons@' + (ks.length === 1 ? ks[0] : 'k'), num: true,
      value: r => r.cons_at_k ? r.cons_at_k.value : undefined,
      title: 'majority vote over each item\'s samples (ties: the answer seen first), ' +
             confidence + '% bootstrap CI over items',
      cell: r => {
        const c = r.cons_at_k;
        if (!c) return el('span', {class: 'muted', title: 'one sample per item'}, NONE);
        return el('span', {class: 'has-tip', title: pct(c.ci_low) + ' to ' + pct(c.ci_high) +
                  ' (cons@' + c.k + ' over ' + c.items + ' items)'}, pct(c.value));
      }});
  }
  if (ranked.some(r => Object.keys(r.outcomes).length)) {
    const order = ['passed', 'failed', 'timeout', 'crashed'];
    cols.push({label: 'Executions', value: r => r.outcomes.timeout || 0,
      title: 'how the programs ended: passed / failed / timeout / crashed',
      cell: r => order.map(o => (r.outcomes[o] || 0)).join('\u00a0/\u00a0')});
  }
  if (ranked.some(r => Object.keys(r.rules || {}).length)) {
    cols.push({label: 'Undecided', num: true, value: r => (r.rules || {}).unknown || 0,
      title: 'verdicts no equivalence rule could reach in time (scored wrong); hover a cell for ' +
             'the verdicts each rule decided',
      cell: r => {
        const rules = r.rules || {};
        const tip = Object.keys(rules).sort((a, b) => rules[b] - rules[a])
          .map(k => k + ': ' + rules[k]).join(', ');
        return el('span', {class: 'has-tip', title: tip || 'no math verdicts'}, String(rules.unknown || 0));
      }});
  }
  return cols;
}

function leaderboard(ranked) {
  const headRow = el('tr');
  const table = el('table', {class: 'leaderboard'}, el('thead', null, headRow), el('tbody'));
  // pass@k and the like after Accuracy; speed and memory before Cost, where some row has them.
  const cost = COLUMNS.findIndex(c => c.label === 'Cost');
  const columns = COLUMNS.slice(0, 3).concat(extraColumns(ranked), COLUMNS.slice(3, cost),
                                             speedColumns(ranked), COLUMNS.slice(cost));
  columns.forEach((c, col) => {
    const th = el('th', {class: 'sortable' + (c.num ? ' num' : ''), title: c.title, scope: 'col'},
                  c.label, el('span', {class: 'arrow'}));
    th.addEventListener('click', () => sortTable(table, col, th));
    headRow.append(th);
  });
  ranked.forEach((r, i) => {
    const tr = el('tr', {class: 'result-row', 'data-model': r.model, 'data-run': r.run});
    tr.sortKeys = columns.map(c => c.value(r, i));
    for (const c of columns) {
      tr.append(el('td', {class: (c.num ? 'num ' : '') + (c.cls || '')}, c.cell(r, i)));
    }
    table.tBodies[0].append(tr);
  });
  return el('div', {class: 'table-wrap'}, table);
}

function niceTicks(lo, hi, count) {
  const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}

// A pairwise suite's leaderboard from its judgments (reports/pairwise_summary.h), and the
// predicted win rates between models.
function pairwiseSection(p) {
  const ci = (v, c) => v.toFixed(1) + ' [' + c[0].toFixed(1) + ', ' + c[1].toFixed(1) + ']';
  const head = el('tr');
  for (const h of ['#', 'Model', 'Win rate [CI]', 'Style-controlled [CI]', 'AlpacaEval win rate (SE)',
                   'LC win rate', 'Mean length', 'Games judged', 'Not judged']) {
    head.append(el('th', null, h));
  }
  const body = el('tbody');
  p.models.forEach((m, i) => {
    const g = m.games;
    body.append(el('tr', {class: 'pairwise-row'},
      el('td', null, String(i + 1)), el('td', null, m.model),
      el('td', {class: 'num'}, ci(m.win_rate, m.ci)),
      el('td', {class: 'num'}, ci(m.style_controlled_win_rate, m.style_controlled_ci)),
      el('td', {class: 'num'}, m.alpaca_win_rate.toFixed(1) + ' (' + m.alpaca_standard_error.toFixed(1) + ')'),
      el('td', {class: 'num'}, m.length_controlled_win_rate == null ? NONE : m.length_controlled_win_rate.toFixed(1)),
      el('td', {class: 'num'}, Math.round(m.mean_length).toLocaleString('en-US')),
      el('td', {class: 'num'}, String(g.ok)),
      el('td', {title: 'unparsed / judge errors / no baseline / no answer'},
         g.unparsed + ' / ' + g.error + ' / ' + g.no_baseline + ' / ' + g.no_answer)));
  });
  const section = el('div', {class: 'pairwise'},
    el('h3', null, 'Judged by ' + p.judge + ' against ' + (p.baseline || NONE)),
    el('table', {class: 'leaderboard pairwise-board'}, el('thead', null, head), body),
    el('p', {class: 'note'}, 'Bradley-Terry win rates against ' + p.baseline + ' (a strong verdict ' +
       'weighs 3, a tie is half a win), ' + p.bootstrap_rounds + ' bootstrap rounds; the LC win ' +
       'rate uses an instruction difficulty fitted from these models only.' +
       (p.fit_note ? ' Fit: ' + p.fit_note : '')));
  if (p.win_rate_matrix.length) {
    const mh = el('tr', null, el('th', null, 'row vs column'));
    for (const name of p.matrix_models) mh.append(el('th', null, name));
    const mb = el('tbody');
    p.win_rate_matrix.forEach((row, i) => {
      const tr = el('tr', null, el('th', null, p.matrix_models[i]));
      for (const v of row) tr.append(el('td', {class: 'num'}, v.toFixed(1) + '%'));
      mb.append(tr);
    });
    section.append(el('table', {class: 'matrix'}, el('thead', null, mh), mb));
  }
  return section;
}

function main() {
  const root = document.getElementById('suites');
  const toc = document.getElementById('toc');
  overviewSection();
  if (!data.suites.length && !data.probes.length) {
    root.append(el('p', {class: 'notice'}, 'The store has no samples yet.'));
    return;
  }
  frontierSection(document.getElementById('frontier'));
  for (const suite of data.suites) {
    const ranked = suite.ranked.map(i => Object.assign({index: i}, data.results[i]));
    const versions = Array.from(new Set(ranked.map(r => r.suite_version))).join(', ');
    toc.append(el('a', {href: '#' + slug(suite.name)}, suite.name));
    const section = el('section', {class: 'suite', id: slug(suite.name)},
      el('h2', null, suite.name),
      el('p', {class: 'suite-meta'}, 'data version ' + versions + ' \u00b7 ranked by accuracy; ' +
         'click a column to sort'),
      leaderboard(ranked), pairedMatrix(suite.name) || '');
    const judged = (data.pairwise || []).filter(p => p.suite === suite.name);
    for (const p of judged) section.append(pairwiseSection(p));
    section.append(publishedBeside(suite.name));
    if (ranked.some(r => r.pairwise) && !judged.length) {
      section.append(el('p', {class: 'note'}, 'Pairwise suite: its answers have not been judged ' +
        'yet (run the same command with --judge PROFILE).'));
    }
    const unscored = ranked.filter(r => r.unscored > 0);
    if (unscored.length) {
      section.append(el('p', {class: 'note'}, 'Not scored (no error, but the scorer gave no verdict): ' +
        unscored.map(r => label(r) + ' ' + r.unscored).join(', ') + '.'));
    }
    section.append(diffView(ranked) || '');
    section.append(itemsView(ranked));
    root.append(section);
  }
  const probes = probesSection(data.probes);
  if (probes) {
    toc.append(el('a', {href: '#probes'}, 'Probes'));
    root.append(probes);
  }
}
