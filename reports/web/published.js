
// Beside a measured suite's leaderboard, the published figures of the same benchmark, in the
// marked band: read from data.published, matched by data.published_suites (suite -> benchmark).
function publishedBeside(suiteName) {
  const benchmark = (data.published_suites || {})[suiteName];
  if (!benchmark) return '';
  const rows = [];
  for (const row of data.published || []) {
    for (const f of row.figures) {
      if (f.benchmark !== benchmark) continue;
      rows.push(el('tr', null,
        el('td', {class: 'strong'}, row.model),
        el('td', null, row.snapshot),
        el('td', {class: 'num'}, f.value.toFixed(1)),
        el('td', null, f.metric),
        el('td', null, f.protocol || NONE),
        el('td', null, el('a', {href: f.source.url, rel: 'noopener noreferrer'}, f.source.date))));
    }
  }
  if (!rows.length) return '';
  const head = el('tr', null, ...['Model', 'Snapshot', 'Published %', 'Metric', 'Protocol', 'Source']
    .map(h => el('th', null, h)));
  return el('div', {class: 'published-band published-beside'},
    el('h3', null, 'Published, not measured here: ' + benchmark),
    el('p', {class: 'muted'}, 'Other people\u2019s figures for this benchmark, with their sources ' +
      '(details in the published band above); not ranked with the rows measured here.'),
    el('div', {class: 'table-wrap'},
      el('table', {class: 'published-table'}, el('thead', null, head), el('tbody', null, ...rows))));
}
