
// The overview at the top: one row per model, and for each suite one cell with its accuracy and
// interval, cost per correct answer and decode tokens/s. Three buttons under each suite's name
// sort by its figures (mouse, or Enter/Space); the table scrolls inside its own wrapper on narrow
// screens, never the page.
function overviewSection() {
  const section = document.getElementById('overview');
  if (!section) return;
  const suites = data.suites.map(s => ({name: s.name,
    results: s.ranked.map(i => Object.assign({index: i}, data.results[i])).filter(r => !r.pairwise)}))
    .filter(s => s.results.length);
  if (!suites.length) { section.hidden = true; return; }
  // One row per model: its suites may come from different runs (an import per file, a run per
  // suite). Only a model with two results in one suite gets a row per run.
  const perSuite = new Map();
  for (const s of suites) for (const r of s.results) {
    const k = r.model + '\u0000' + s.name;
    perSuite.set(k, (perSuite.get(k) || 0) + 1);
  }
  const split = new Set();
  for (const [k, n] of perSuite) if (n > 1) split.add(k.split('\u0000')[0]);
  const rows = new Map();  // key -> {label, model, runs, bySuite}
  for (const s of suites) {
    for (const r of s.results) {
      const key = split.has(r.model) ? label(r) : r.model;
      if (!rows.has(key)) rows.set(key, {label: key, model: r.model, runs: [], bySuite: {}});
      const row = rows.get(key);
      row.bySuite[s.name] = r;
      if (!row.runs.includes(r.run)) row.runs.push(r.run);
    }
  }
  const perCorrect = r => r.cost_per_correct_usd;
  const speed = r => r.speed ? r.speed.decode_tokens_per_s : null;
  // Sort keys: the model, then three per suite (accuracy, cost per correct, tok/s), each with a
  // button in the suite's header; a suite's figures share one cell, so the table stays narrow.
  const columns = [{label: 'Model', title: 'sort by model', value: row => row.label}];
  for (const s of suites) {
    const get = row => row.bySuite[s.name];
    columns.push(
      {label: 'acc', num: true, title: 'sort by accuracy on ' + s.name, value: row => (get(row) || {}).accuracy},
      {label: '$/\u2713', num: true, lowFirst: true, title: 'sort by cost per correct answer on ' + s.name,
       value: row => { const r = get(row); return r ? perCorrect(r) : null; }},
      {label: 'tok/s', num: true, title: 'sort by decode tokens/s on ' + s.name,
       value: row => { const r = get(row); return r ? speed(r) : null; }});
  }
  const cell = r => {
    if (!r) return el('span', {class: 'muted', title: 'not run on this suite'}, NONE);
    const acc = r.accuracy == null
      ? el('span', {class: 'muted', title: 'nothing scored'}, NONE)
      : el('span', {class: 'ov-acc', title: 'accuracy, ' + confidence + '% bootstrap interval'},
           el('b', null, pct(r.accuracy)),
           el('span', {class: 'ov-ci'}, (100 * r.ci_low).toFixed(1) + '\u2013' + (100 * r.ci_high).toFixed(1)));
    const cost = perCorrect(r);
    const costTitle = cost == null ? (r.cost_per_correct_note || 'no price known')
      : r.cost_per_correct_ci_low_usd != null
        ? 'cost per correct answer; ' + confidence + '% interval ' + usd(r.cost_per_correct_ci_low_usd) + ' to ' +
          usd(r.cost_per_correct_ci_high_usd)
        : 'cost per correct answer';
    const v = speed(r);
    return el('div', {class: 'ov-cell'}, acc,
      el('span', {class: 'ov-sub'}, el('span', {title: costTitle}, (cost == null ? NONE : usd(cost)) + '/\u2713'),
         ' \u00b7 ', el('span', {title: 'decode tokens/s per request'}, (v == null ? NONE : tok(v)) + ' tok/s')));
  };
  const headRow = el('tr');
  const table = el('table', {class: 'overview-table'}, el('thead', null, headRow), el('tbody'));
  const buttons = [];
  const sortButton = (col) => {
    const c = columns[col];
    const button = el('button', {type: 'button', class: 'ov-sort', title: c.title}, c.label, el('span', {class: 'ov-arrow'}));
    button.addEventListener('click', () => overviewSort(table, columns, buttons, col));
    buttons.push(button);
    return button;
  };
  headRow.append(el('th', {scope: 'col', class: 'ov-sort-host'}, sortButton(0)));
  suites.forEach((s, i) => {
    headRow.append(el('th', {scope: 'col', class: 'ov-suite'}, el('div', null, s.name),
      el('div', {class: 'ov-sorts'}, sortButton(1 + 3 * i), sortButton(2 + 3 * i), sortButton(3 + 3 * i))));
  });
  for (const row of rows.values()) {
    const tr = el('tr', {class: 'overview-row'});
    tr.sortKeys = columns.map(c => c.value(row));
    tr.append(el('th', {scope: 'row'}, el('span', {class: 'model'}, row.label,
      data.multi_run ? el('span', {class: 'run'}, row.runs.join(', ')) : null)));
    for (const s of suites) tr.append(el('td', {class: 'num'}, cell(row.bySuite[s.name])));
    table.tBodies[0].append(tr);
  }
  section.append(el('h2', null, 'Overview'),
    el('p', {class: 'suite-meta'}, 'Models by suites: accuracy with its ' + confidence + '% bootstrap interval, ' +
       'cost per correct answer ($/\u2713) and decode tokens/s. The buttons under a suite sort by its figures. ' +
       'Overlapping intervals are not a ranking: each suite\u2019s paired comparisons below say which gaps are significant.'),
    el('div', {class: 'table-wrap overview-wrap'}, table));
}

// Accuracy and speed highest first, cost lowest first, names A-Z first; unknown values last.
function overviewSort(table, columns, buttons, col) {
  const button = buttons[col];
  const first = columns[col].num && !columns[col].lowFirst ? 'descending' : 'ascending';
  const current = button.dataset.sort;
  const dir = current === first ? (first === 'descending' ? 'ascending' : 'descending') : first;
  buttons.forEach(b => { b.dataset.sort = ''; b.querySelector('.ov-arrow').textContent = ''; });
  button.dataset.sort = dir;
  button.querySelector('.ov-arrow').textContent = dir === 'descending' ? '\u25be' : '\u25b4';
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = a.sortKeys[col], y = b.sortKeys[col];
    if (x == null || y == null) return (x == null) - (y == null);
    const c = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
    return dir === 'descending' ? -c : c;
  });
  body.append(...rows);
}
