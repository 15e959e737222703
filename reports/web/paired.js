
// The paired comparisons of one suite (reports/paired_matrix.h): a matrix of row-minus-column
// differences with their intervals, Holm-adjusted p-values and verdicts, and the ranks they allow.
function pairedPoints(x) {
  const v = 100 * x;
  return Math.abs(v) < 0.05 ? '0.0' : (v > 0 ? '+' : '') + v.toFixed(1);
}
function pairedP(p) {
  if (p >= 0.01) return p.toFixed(p >= 0.1 ? 2 : 3);
  return p.toExponential(1);
}

// Cell (i, j) from row i's side: the stored cell is a < b, so (j, i) is flipped.
function pairedOriented(m, i, j) {
  const a = Math.min(i, j), b = Math.max(i, j), n = m.models.length;
  const c = m.cells[a * (2 * n - a - 1) / 2 + (b - a - 1)];
  if (i < j) return {c, diff: c.diff, lo: c.ci_low, hi: c.ci_high, verdict: c.verdict};
  const verdict = c.verdict === 'better' ? 'worse' : c.verdict === 'worse' ? 'better' : 'tied';
  return {c, diff: -c.diff, lo: -c.ci_high, hi: -c.ci_low, verdict};
}

function pairedCellTitle(m, i, j, o) {
  const c = o.c, rowA = i < j;
  const mine = rowA ? c.discordant_a : c.discordant_b, theirs = rowA ? c.discordant_b : c.discordant_a;
  const what = c.test === 'mcnemar_exact'
    ? 'McNemar exact p = ' + pairedP(c.p) + ' (' + mine + ' right only here, ' + theirs + ' only there, ' +
      c.both_correct + ' both, ' + c.neither + ' neither)'
    : 'paired bootstrap p = ' + pairedP(c.p) + ' (' + mine + ' items ahead, ' + theirs + ' behind)';
  return m.models[i].label + ' \u2212 ' + m.models[j].label + ' on ' + c.items + ' common items: ' +
    pairedPoints(o.diff) + ' points [' + pairedPoints(o.lo) + ', ' + pairedPoints(o.hi) + ']; ' + what +
    '; Holm-adjusted p = ' + pairedP(c.p_holm);
}

function pairedMatrix(suiteName) {
  const m = (data.paired || []).find(x => x.suite === suiteName);
  if (!m) return null;
  const head = el('tr', null, el('th', {scope: 'col', class: 'num', title: '1 + the models significantly better'}, 'Rank'),
                  el('th', {scope: 'col'}, 'row \u2212 column'));
  for (const e of m.models) head.append(el('th', {scope: 'col'}, e.label));
  const body = el('tbody');
  m.models.forEach((e, i) => {
    const tr = el('tr', null, el('td', {class: 'num rank'}, String(e.rank)), el('th', {scope: 'row'}, e.label));
    m.models.forEach((_, j) => {
      if (i === j) { tr.append(el('td', {class: 'paired-self muted'}, NONE)); return; }
      const o = pairedOriented(m, i, j);
      if (o.c.test === 'none') { tr.append(el('td', {class: 'muted'}, 'no common items')); return; }
      tr.append(el('td', {class: 'paired-cell ' + o.verdict, title: pairedCellTitle(m, i, j, o)},
        el('span', {class: 'paired-diff'}, pairedPoints(o.diff)),
        el('span', {class: 'paired-ci'}, '[' + pairedPoints(o.lo) + ', ' + pairedPoints(o.hi) + ']'),
        el('span', {class: 'paired-verdict'}, o.verdict + ' \u00b7 p ' + pairedP(o.c.p_holm))));
    });
    body.append(tr);
  });
  return el('div', {class: 'paired'},
    el('h3', null, 'Paired comparisons'),
    el('div', {class: 'table-wrap'},
       el('table', {class: 'matrix paired-matrix'}, el('thead', null, head), body)),
    el('p', {class: 'note'}, m.note + ' Hover a cell for its counts.'));
}
