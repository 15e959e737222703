
// The overview at the top: one row per model (and run, where the report has several), and for
// each suite its accuracy with the interval, cost per correct answer and decode tokens/s. Every
// column sorts (click its header, or Enter/Space on it); the table scrolls inside its own wrapper
// on narrow screens, never the page.
function overviewSection() {
  const section = document.getElementById('overview');
  if (!section) return;
  const suites = data.suites.map(s => ({name: s.name,
    results: s.ranked.map(i => Object.assign({index: i}, data.results[i])).filter(r => !r.pairwise)}))
    .filter(s => s.results.length);
  if (!suites.length) { section.hidden = true; return; }
  const rows = new Map();  // label -> {label, model, run, bySuite}
  for (const s of suites) {
    for (const r of s.results) {
      const key = label(r);
      if (!rows.has(key)) rows.set(key, {label: key, model: r.model, run: r.run, bySuite: {}});
      rows.get(key).bySuite[s.name] = r;
    }
  }
  const perCorrect = r => r.cost_per_correct_usd;
  const speed = r => r.speed ? r.speed.decode_tokens_per_s : null;
  const columns = [{label: 'Model', value: row => row.label, cell: row =>
    el('span', {class: 'model'}, row.model, data.multi_run ? el('span', {class: 'run'}, row.run) : null)}];
  for (const s of suites) {
    const get = row => row.bySuite[s.name];
    columns.push(
      {suite: s.name, label: 'Accuracy', num: true, title: 'accuracy on ' + s.name + ', ' + confidence +
         '% bootstrap interval', value: row => (get(row) || {}).accuracy, cell: row => {
        const r = get(row);
        if (!r) return el('span', {class: 'muted', title: 'not run on this suite'}, NONE);
        if (r.accuracy == null) return el('span', {class: 'muted', title: 'nothing scored'}, NONE);
        return el('span', {class: 'ov-acc'}, el('b', null, pct(r.accuracy)),
                  el('span', {class: 'ov-ci'}, (100 * r.ci_low).toFixed(1) + '\u2013' + (100 * r.ci_high).toFixed(1)));
      }},
      {suite: s.name, label: '$ / correct', num: true, title: 'cost per correct answer on ' + s.name,
       value: row => { const r = get(row); return r ? perCorrect(r) : null; }, cell: row => {
        const r = get(row);
        if (!r || perCorrect(r) == null) {
          return el('span', {class: 'muted', title: r ? (r.cost_per_correct_note || 'no price known') : 'not run'}, NONE);
        }
        const ci = r.cost_per_correct_ci_low_usd != null
          ? confidence + '% interval ' + usd(r.cost_per_correct_ci_low_usd) + ' to ' + usd(r.cost_per_correct_ci_high_usd)
          : null;
        return el('span', {title: ci}, usd(perCorrect(r)));
      }},
      {suite: s.name, label: 'tok/s', num: true, title: 'decode tokens per second per request on ' + s.name,
       value: row => { const r = get(row); return r ? speed(r) : null; },
       cell: row => { const r = get(row); const v = r ? speed(r) : null;
                      return v == null ? el('span', {class: 'muted'}, NONE) : tok(v); }});
  }
  const groupRow = el('tr', null, el('th', {rowspan: 2, scope: 'col', class: 'ov-sort-host'}));
  for (const s of suites) groupRow.append(el('th', {colspan: 3, scope: 'colgroup', class: 'ov-suite'}, s.name));
  const headRow = el('tr');
  const table = el('table', {class: 'overview-table'}, el('thead', null, groupRow, headRow), el('tbody'));
  const ths = [];
  columns.forEach((c, col) => {
    const button = el('button', {type: 'button', class: 'ov-sort', title: c.title}, c.label, el('span', {class: 'ov-arrow'}));
    const th = col === 0 ? groupRow.cells[0] : el('th', {scope: 'col', class: c.num ? 'num' : null});
    th.append(button);
    th.setAttribute('aria-sort', 'none');
    button.addEventListener('click', () => overviewSort(table, columns, ths, col));
    if (col > 0) headRow.append(th);
    ths.push(th);
  });
  for (const row of rows.values()) {
    const tr = el('tr', {class: 'overview-row'});
    tr.sortKeys = columns.map(c => c.value(row));
    columns.forEach((c, col) => tr.append(el(col === 0 ? 'th' : 'td',
      col === 0 ? {scope: 'row'} : {class: c.num ? 'num' : null}, c.cell(row))));
    table.tBodies[0].append(tr);
  }
  section.append(el('h2', null, 'Overview'),
    el('p', {class: 'suite-meta'}, 'Models by suites: accuracy with its ' + confidence + '% bootstrap interval, ' +
       'cost per correct answer, decode tokens/s. Click a column (or press Enter on it) to sort. Overlapping ' +
       'intervals are not a ranking: each suite\u2019s paired comparisons below say which gaps are significant.'),
    el('div', {class: 'table-wrap overview-wrap'}, table));
}

// Numbers descending first, names ascending first; unknown values last either way.
function overviewSort(table, columns, ths, col) {
  const th = ths[col];
  const first = columns[col].num ? 'descending' : 'ascending';
  const dir = th.getAttribute('aria-sort') === first ? (first === 'descending' ? 'ascending' : 'descending') : first;
  ths.forEach(h => { h.setAttribute('aria-sort', 'none'); h.querySelector('.ov-arrow').textContent = ''; });
  th.setAttribute('aria-sort', dir);
  th.querySelector('.ov-arrow').textContent = dir === 'descending' ? '\u25be' : '\u25b4';
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
