
const PAGE = 100;
const EAGER_SAMPLES = 2000;  // results with more samples are decoded when first scrolled to
const PREVIEW = 160;
const FILTERS = [
  ['all', 'All', s => true],
  ['wrong', 'Wrong', s => s.v === 'wrong'],
  ['errors', 'Errors', s => s.v === 'error'],
  ['truncated', 'Truncated', s => s.f === 'length'],
];
const VERDICTS = {correct: '\u2713 correct', wrong: '\u2717 wrong', error: '\u26a0 error', unscored: 'unscored',
                  pairwise: '\u21c4 judged'};

function str(i) { return i == null ? '' : data.strings[i]; }

// Samples are embedded as columns, one script element per result (reports/html_samples.h), and
// decoded into objects with the short keys above when first asked for: a page of 100,000 items
// parses none of them to open. Interned fields hold indices into their suite's table of strings,
// appended to data.strings when first needed (p and r stay indices into data.strings).
const INTERNED = new Set(['id', 'v', 'x', 'm', 'd', 'sc', 'o', 'ru', 'fa', 'fr', 'f', 'ek']);
const decodedSamples = new Map();
const tableOffsets = new Map();
data.strings = [];
function stringTable(t) {
  if (!tableOffsets.has(t)) {
    tableOffsets.set(t, data.strings.length);
    const strings = JSON.parse(document.getElementById('rbench-strings-' + t).textContent);
    for (const s of strings) data.strings.push(s);  // push(...strings) overflows the stack
  }
  return tableOffsets.get(t);
}
// The samples' elements follow the code, so that the page draws before the browser has read
// them: call samplesOf() from samplesReady(f), which runs f once they are all parsed (at once
// when they are), or from a handler of the user's clicks.
function samplesReady(f) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', f, {once: true});
  else f();
}
function samplesOf(resultIndex) {
  if (decodedSamples.has(resultIndex)) return decodedSamples.get(resultIndex);
  const element = document.getElementById('rbench-samples-' + resultIndex);
  if (!element || document.readyState === 'loading') {
    throw new Error('samplesOf(' + resultIndex + ') before the page has read the samples: call it ' +
                    'from samplesReady(f)');
  }
  const block = JSON.parse(element.textContent);
  const base = stringTable(block.t);
  const samples = Array.from({length: block.n}, () => ({}));
  for (const [key, col] of Object.entries(block.cols)) {
    const put = key === 'p' || key === 'r' ? (s, v) => { s[key] = base + v; }
              : INTERNED.has(key) ? (s, v) => { s[key] = data.strings[base + v]; }
              : (s, v) => { s[key] = v; };
    if (Array.isArray(col)) col.forEach((v, j) => { if (v !== null) put(samples[j], v); });
    else col.i.forEach((j, n) => put(samples[j], col.v[n]));
  }
  // A store too large to embed whole gives each result its first samples (html_samples.h).
  if (block.of) samples.total = block.of;
  decodedSamples.set(resultIndex, samples);
  return samples;
}
function oneLine(s) { s = s.replace(/\s+/g, ' ').trim(); return s.length > PREVIEW ? s.slice(0, PREVIEW) + '\u2026' : s; }

function promptBlock(json) {
  const block = el('div', {class: 'block'}, el('h4', null, 'Prompt'));
  let messages = null;
  try { messages = JSON.parse(json); } catch (e) { messages = null; }
  if (!Array.isArray(messages)) {
    block.append(el('pre', null, json));
    return block;
  }
  for (const m of messages) {
    block.append(el('div', {class: 'msg'}, el('div', {class: 'role'}, String(m.role || '')),
                    el('pre', null, String(m.content == null ? '' : m.content))));
  }
  return block;
}

function fields(s) {
  const dl = el('dl', {class: 'fields'});
  const add = (name, value, title) => {
    if (value === '' || value == null) return;
    dl.append(el('dt', null, name), el('dd', {title}, value));
  };
  add('Verdict', s.v + (s.m ? ' (rule: ' + s.m + ')' : '') + (s.sc ? ' \u00b7 scorer ' + s.sc : ''));
  if (s.o) {
    add('Execution', s.o + (s.du != null ? ' in ' + secs(s.du) : ''));
  } else {
    add('Extracted', s.x != null ? el('code', null, s.x) : (s.v === 'error' ? '' : NONE));
    add('Reference', el('code', null, str(s.r)));
    if (s.ru) {
      add('Decided by', s.ru, 'the equivalence rule that gave the verdict');
      if (s.fa || s.fr) {
        add('Compared', el('span', null, el('code', null, s.fa || NONE), ' vs ',
                           el('code', null, s.fr || NONE)),
            'canonical forms of the answer and the reference');
      }
    }
  }
  add('Why', s.d);
  add('Finish', s.f ? (s.f === 'length' ? 'length (cut at the token limit)' : s.f) : '');
  add('Tokens', 'prompt ' + tok(s.tp) + ' \u00b7 completion ' + tok(s.tc) + ' \u00b7 reasoning ' + tok(s.tr));
  add('Latency', 'first token ' + secs(s.t1) + ' \u00b7 end to end ' + secs(s.te));
  add('Requests', (s.at != null ? s.at + ' attempt' + (s.at === 1 ? '' : 's') : '') +
      (s.hs ? ' \u00b7 HTTP ' + s.hs : ''));
  add('Cost', s.c != null ? usd(s.c) : '', s.c == null ? 'no price known' : null);
  return dl;
}

function itemBody(s) {
  const body = el('div', {class: 'item-body'}, fields(s));
  if (s.e) {
    body.append(el('div', {class: 'block'}, el('h4', null, 'Error' + (s.ek ? ' (' + s.ek + ')' : '')),
                   el('pre', {class: 'error'}, s.e)));
  }
  if (s.o) {  // code: the program that ran, its output, and the published solution
    body.append(el('div', {class: 'block'}, el('h4', null, 'Program run'), el('pre', null, s.x || '')));
    if (s.lg) body.append(el('div', {class: 'block'}, el('h4', null, 'Output'), el('pre', {class: 'error'}, s.lg)));
    body.append(el('details', {class: 'reasoning'}, el('summary', null, 'Reference solution'),
                   el('pre', null, str(s.r))));
  }
  body.append(promptBlock(str(s.p)));
  if (s.rs) {
    body.append(el('details', {class: 'reasoning'},
      el('summary', null, 'Reasoning (' + (s.tr != null ? tok(s.tr) + ' tokens, ' : '') +
         s.rs.length.toLocaleString('en-US') + ' characters)'),
      el('pre', null, s.rs)));
  }
  body.append(el('div', {class: 'block'}, el('h4', null, 'Answer'),
                 s.a ? el('pre', {class: 'answer'}, s.a) : el('p', {class: 'muted'}, 'no answer text')));
  return body;
}

function itemRow(s, multiSample) {
  const head = el('span', {class: 'item-head'},
    el('span', {class: 'item-id'}, s.id + (multiSample ? ' #' + (s.k || 0) : '')));
  if (s.o) {
    head.append(el('span', {class: 'pair'}, 'execution ', el('b', null, s.o)));
  } else if (s.v !== 'error') {
    head.append(el('span', {class: 'pair'}, 'got ', el('b', null, s.x != null ? s.x : NONE)),
                el('span', {class: 'pair'}, 'ref ', el('b', null, str(s.r))));
  }
  const meta = [];
  if (s.f === 'length') meta.push(el('span', {class: 'pill warn'}, 'truncated'), ' ');
  if (s.v === 'error') {
    meta.push((s.at ? s.at + ' attempt' + (s.at === 1 ? '' : 's') : '') + (s.hs ? ' \u00b7 HTTP ' + s.hs : ''));
  } else {
    meta.push(tok(s.tc) + ' tok \u00b7 ' + secs(s.te));
  }
  const preview = s.v === 'error' ? (s.ek ? s.ek + ': ' : '') + (s.e || '') : (s.a || '');
  const summary = el('summary', null,
    el('span', {class: 'verdict ' + s.v}, VERDICTS[s.v] || s.v), head,
    el('span', {class: 'item-meta'}, ...meta),
    el('span', {class: 'preview'}, oneLine(preview)));
  const details = el('details', {class: 'item'}, summary);
  details.addEventListener('toggle', () => {
    if (details.open && !details.built) { details.built = true; details.append(itemBody(s)); }
  }, {once: false});
  return el('li', {class: 'v-' + s.v}, details);
}

function itemsView(ranked) {
  const state = {result: ranked[0].index, filter: 'all', query: '', shown: PAGE};
  const list = el('ol', {class: 'item-list'});
  const more = el('button', {class: 'more', type: 'button'});
  const seg = el('div', {class: 'seg', role: 'group', 'aria-label': 'filter items'});
  const select = el('select', {'aria-label': 'model'});
  for (const r of ranked) select.append(el('option', {value: String(r.index)}, label(r)));
  const search = el('input', {type: 'search', placeholder: 'Filter by item id or text', 'aria-label': 'search items'});

  const samples = () => samplesOf(state.result);
  const buttons = FILTERS.map(([key, name]) => {
    const b = el('button', {type: 'button', 'data-filter': key}, name, el('span', {class: 'count'}));
    b.addEventListener('click', () => { state.filter = key; state.shown = PAGE; render(); });
    seg.append(b);
    return b;
  });
  const matches = s => {
    if (!FILTERS.find(f => f[0] === state.filter)[2](s)) return false;
    if (!state.query) return true;
    const q = state.query;
    return s.id.toLowerCase().includes(q) || (s.a || '').toLowerCase().includes(q) ||
           (s.x || '').toLowerCase().includes(q) || (s.e || '').toLowerCase().includes(q);
  };

  let rendered = false;
  function render() {
    if (document.readyState === 'loading') return;  // samplesReady() below renders
    rendered = true;
    const all = samples();
    const multiSample = all.some(s => s.k);
    FILTERS.forEach(([key, , test], i) => {
      buttons[i].setAttribute('aria-pressed', String(key === state.filter));
      buttons[i].querySelector('.count').textContent = String(all.filter(test).length);
    });
    const rows = all.filter(matches);
    list.replaceChildren(...rows.slice(0, state.shown).map(s => itemRow(s, multiSample)));
    if (!rows.length) list.append(el('li', {class: 'empty'}, 'No items match.'));
    if (all.total) {
      list.append(el('li', {class: 'empty'}, 'The page holds the first ' +
                     all.length.toLocaleString('en-US') + ' of this result\'s ' +
                     all.total.toLocaleString('en-US') + ' samples (the figures count them all); ' +
                     'rbench diff and the store have the rest.'));
    }
    const left = rows.length - state.shown;
    more.hidden = left <= 0;
    more.textContent = 'Show ' + Math.min(left, PAGE) + ' more (' + left + ' not shown)';
  }
  select.addEventListener('change', () => { state.result = Number(select.value); state.shown = PAGE; render(); });
  search.addEventListener('input', () => { state.query = search.value.trim().toLowerCase(); state.shown = PAGE; render(); });
  more.addEventListener('click', () => { state.shown += PAGE; render(); });
  const view = el('div', {class: 'items'}, el('h3', null, 'Items'),
                  el('div', {class: 'controls'}, select, seg, search), list, more);
  // A long result is decoded when its list comes near the screen, not while the page opens.
  const n = data.results[state.result].n;
  more.hidden = true;
  list.append(el('li', {class: 'empty'}, 'Loading ' + n.toLocaleString('en-US') + ' items\u2026'));
  samplesReady(() => {
    if (rendered) return;
    if (n <= EAGER_SAMPLES || typeof IntersectionObserver === 'undefined') {
      render();
      return;
    }
    const seen = new IntersectionObserver(entries => {
      if (!entries.some(e => e.isIntersecting)) return;
      seen.disconnect();
      if (!rendered) render();
    }, {rootMargin: '400px'});
    seen.observe(view);
  });
  return view;
}
