
function rate(x) { return x == null ? NONE : (x < 100 ? x.toFixed(1) : x.toFixed(0)); }
function bytes(x) {
  if (x == null) return NONE;
  if (x < 1000) return x + ' B';
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = x / 1000, u = 0;
  while (v >= 1000 && u + 1 < units.length) { v /= 1000; ++u; }
  return (v < 100 ? v.toFixed(1) : v.toFixed(0)) + ' ' + units[u];
}
function params(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'B';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return String(n);
}

function decodeCell(r) {
  const s = r.speed;
  if (s.decode_tokens_per_s == null) {
    return el('span', {class: 'muted', title: 'no timed sample with more than one output token'}, NONE);
  }
  let tip = s.decode_tokens.toLocaleString('en-US') + ' tokens after the first in ' +
            secs(s.decode_seconds) + ' after the first, over ' + s.decode_samples + ' samples';
  if (s.e2e_tokens_per_s_mean != null) {
    tip += '; end to end (prefill included) ' + rate(s.e2e_tokens_per_s_mean) + ' tok/s per request';
  }
  return el('span', {class: 'has-tip', title: tip}, rate(s.decode_tokens_per_s));
}

function weightsCell(r) {
  const f = r.facts;
  if (f.weight_bytes == null) return NONE;
  if (f.parameters_total == null) return bytes(f.weight_bytes);
  const tip = params(f.parameters_total) + ' parameters' +
              (f.parameters_active != null ? ', ' + params(f.parameters_active) + ' active per token' : '');
  return el('span', {class: 'has-tip', title: tip}, bytes(f.weight_bytes));
}

function kvCell(r) {
  const f = r.facts;
  if (f.kv_bytes_per_token == null) return NONE;
  if (f.kv_bytes_per_token_mha == null) return bytes(f.kv_bytes_per_token);
  const ratio = f.kv_bytes_per_token > 0
      ? ' (' + (f.kv_bytes_per_token_mha / f.kv_bytes_per_token).toFixed(1) + 'x)' : '';
  return el('span', {class: 'has-tip kv',
    title: 'multi-head equivalent: ' + bytes(f.kv_bytes_per_token_mha) + ' per token' + ratio},
    bytes(f.kv_bytes_per_token));
}

function mtpCell(r) {
  const s = r.speed;
  if (s.draft_acceptance == null) return NONE;
  const tip = s.accepted_draft_tokens.toLocaleString('en-US') + ' of ' +
              s.draft_tokens.toLocaleString('en-US') + ' drafts accepted; ' +
              s.tokens_per_step.toFixed(2) + ' tokens per step';
  return el('span', {class: 'has-tip', title: tip}, (100 * s.draft_acceptance).toFixed(1) + '%');
}

function deviceCell(r) {
  const f = r.facts;
  if (f.device == null) return NONE;
  const tip = [];
  if (f.device_name != null && f.device_name !== f.device) tip.push(f.device_name);
  if (f.device_memory_bytes != null) tip.push(bytes(f.device_memory_bytes) + ' memory');
  if (f.cache_bytes_peak != null) {
    tip.push('KV cache peak ' + bytes(f.cache_bytes_peak) +
             (f.cache_bytes_capacity != null ? ' of ' + bytes(f.cache_bytes_capacity) : ''));
  }
  if (tip.length === 0) return f.device;
  return el('span', {class: 'has-tip', title: tip.join('; ')}, f.device);
}

function speedColumns(ranked) {
  const cols = [];
  if (ranked.some(r => r.speed.decode_tokens_per_s != null)) {
    cols.push({label: 'tok/s', num: true, value: r => r.speed.decode_tokens_per_s, cell: decodeCell,
      title: 'decode speed per request: output tokens after the first over the seconds after ' +
             'the first token, summed over the samples'});
  }
  if (ranked.some(r => r.facts.weight_bytes != null)) {
    cols.push({label: 'Weights', num: true, value: r => r.facts.weight_bytes, cell: weightsCell,
      title: 'the weights as the engine holds them in memory'});
  }
  if (ranked.some(r => r.facts.kv_bytes_per_token != null)) {
    cols.push({label: 'KV/token', num: true, value: r => r.facts.kv_bytes_per_token, cell: kvCell,
      title: 'KV cache per token as the engine stores it; hover a cell for the equivalent ' +
             'multi-head cache'});
  }
  if (ranked.some(r => r.speed.draft_acceptance != null)) {
    cols.push({label: 'MTP accept', num: true, value: r => r.speed.draft_acceptance, cell: mtpCell,
      title: 'self-speculative decoding: accepted drafts over drafted, summed over the samples; ' +
             'hover a cell for the counts and the tokens per step'});
  }
  if (ranked.some(r => r.facts.device != null)) {
    cols.push({label: 'Device', value: r => r.facts.device, cell: deviceCell,
      title: 'where the engine ran; hover a cell for its memory and the KV cache peak'});
  }
  return cols;
}
