
// The per-item diff of two models of one suite: the items one got right and the other wrong
// (with several samples, where one's fraction correct is higher), both answers side by side,
// a page at a time. Built when first opened; samples are read only through samplesOf().

const DIFF_PAGE = 25;
const DIFF_TEXT = 4000;  // characters of an answer shown before "(cut)"

// item id -> {scored, correct, first sample} over one result's scored samples.
function diffOutcomes(resultIndex) {
  const out = new Map();
  for (const s of samplesOf(resultIndex)) {
    if (s.v !== 'correct' && s.v !== 'wrong') continue;
    let o = out.get(s.id);
    if (!o) { o = {scored: 0, correct: 0, sample: s}; out.set(s.id, o); }
    o.scored += 1;
    o.correct += s.v === 'correct' ? 1 : 0;
  }
  return out;
}

function diffAnswer(name, o) {
  const s = o.sample;
  const text = s.a || '';
  const share = o.scored > 1 ? ' (' + o.correct + '/' + o.scored + ' correct)' : '';
  return el('div', {class: 'diff-side ' + (o.correct * 2 >= o.scored ? 'correct' : 'wrong')},
    el('div', {class: 'diff-who'}, name + share),
    el('div', {class: 'diff-got'}, 'got ', el('code', null, s.x != null ? s.x : NONE)),
    el('pre', {class: 'answer'}, text.length > DIFF_TEXT ? text.slice(0, DIFF_TEXT) + '\u2026 (cut)' : text));
}

function diffView(ranked) {
  const scored = ranked.filter(r => !r.pairwise && r.accuracy != null);
  if (scored.length < 2) return null;
  const details = el('details', {class: 'diff'}, el('summary', null, 'Compare two models item by item'));
  details.addEventListener('toggle', () => {
    if (details.open && !details.built) {
      details.built = true;
      samplesReady(() => details.append(diffBody(scored)));
    }
  });
  return details;
}

function diffBody(scored) {
  const state = {a: scored[0].index, b: scored[1].index, filter: 'both', shown: DIFF_PAGE};
  const pick = (value, name) => {
    const s = el('select', {'aria-label': name});
    for (const r of scored) s.append(el('option', {value: String(r.index)}, label(r)));
    s.value = String(value);
    return s;
  };
  const selA = pick(state.a, 'model A'), selB = pick(state.b, 'model B');
  const seg = el('div', {class: 'seg', role: 'group', 'aria-label': 'which disagreements'});
  const filters = [['both', 'Either way'], ['a', 'A right, B wrong'], ['b', 'B right, A wrong']];
  const buttons = filters.map(([key, name]) => {
    const b = el('button', {type: 'button'}, name, el('span', {class: 'count'}));
    b.addEventListener('click', () => { state.filter = key; state.shown = DIFF_PAGE; render(); });
    seg.append(b);
    return b;
  });
  const summary = el('p', {class: 'note'});
  const list = el('ol', {class: 'item-list diff-list'});
  const more = el('button', {class: 'more', type: 'button'});
  const nameOf = i => label(data.results[i]);

  function render() {
    const oa = diffOutcomes(state.a), ob = diffOutcomes(state.b);
    const rows = [];
    let common = 0;
    for (const [id, a] of oa) {
      const b = ob.get(id);
      if (!b) continue;
      common += 1;
      const fa = a.correct / a.scored, fb = b.correct / b.scored;
      if (fa !== fb) rows.push({id, a, b, ahead: fa > fb ? 'a' : 'b'});
    }
    const counts = {both: rows.length, a: rows.filter(r => r.ahead === 'a').length,
                    b: rows.filter(r => r.ahead === 'b').length};
    filters.forEach(([key], i) => {
      buttons[i].setAttribute('aria-pressed', String(key === state.filter));
      buttons[i].querySelector('.count').textContent = String(counts[key]);
    });
    summary.textContent = state.a === state.b
      ? 'Pick two different models.'
      : common + ' items scored for both; A ahead on ' + counts.a + ', B ahead on ' + counts.b +
        ', the same on ' + (common - rows.length) + '.';
    const shown = rows.filter(r => state.filter === 'both' || r.ahead === state.filter);
    const nameA = 'A: ' + nameOf(state.a), nameB = 'B: ' + nameOf(state.b);
    list.replaceChildren(...shown.slice(0, state.shown).map(r => el('li', {class: 'diff-item'},
      el('div', {class: 'diff-head'}, el('span', {class: 'item-id'}, r.id),
         el('span', {class: 'pair'}, 'ref ', el('b', null, str(r.a.sample.r)))),
      el('div', {class: 'diff-pair'}, diffAnswer(nameA, r.a), diffAnswer(nameB, r.b)))));
    if (!shown.length) list.append(el('li', {class: 'empty'}, 'No items where they disagree.'));
    const left = shown.length - state.shown;
    more.hidden = left <= 0;
    more.textContent = 'Show ' + Math.min(left, DIFF_PAGE) + ' more (' + left + ' not shown)';
  }
  selA.addEventListener('change', () => { state.a = Number(selA.value); state.shown = DIFF_PAGE; render(); });
  selB.addEventListener('change', () => { state.b = Number(selB.value); state.shown = DIFF_PAGE; render(); });
  more.addEventListener('click', () => { state.shown += DIFF_PAGE; render(); });
  render();
  return el('div', {class: 'diff-body'},
    el('div', {class: 'controls'}, el('label', null, 'A ', selA), el('label', null, 'B ', selB), seg),
    summary, list, more);
}
