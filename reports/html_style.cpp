// The report's stylesheet: light theme, system fonts, tables that scroll sideways on phones.
#include "reports/html_assets.h"

namespace rbench {

std::string_view html_report_style() {
  return R"css(
:root {
  --fg: #1f2328; --muted: #656d76; --border: #d8dee4; --subtle: #f6f8fa; --bg: #ffffff;
  --accent: #0969da; --accent-soft: #ddf4ff; --good: #1a7f37; --good-soft: #dafbe1;
  --bad: #cf222e; --bad-soft: #ffebe9; --warn: #9a6700; --warn-soft: #fff8c5;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 1240px; padding: 28px 24px 64px; color: var(--fg); background: var(--bg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h2 { font-size: 21px; margin: 40px 0 4px; padding-bottom: 6px; border-bottom: 1px solid var(--border); }
h3 { font-size: 16px; margin: 26px 0 10px; }
code, pre, .mono { font-family: var(--mono); font-size: 13px; }
code { background: var(--subtle); padding: 1px 5px; border-radius: 4px; word-break: break-all; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0; }
.muted { color: var(--muted); }
.strong { font-weight: 600; }
.notice { padding: 10px 14px; background: var(--warn-soft); border-radius: 6px; }
.top p { margin: 0; }
.toc { display: flex; flex-wrap: wrap; gap: 8px; margin: 24px 0 0; }
.toc a { color: var(--accent); text-decoration: none; padding: 3px 10px; border: 1px solid var(--border);
  border-radius: 999px; font-size: 13px; }
.toc a:hover { background: var(--accent-soft); }
.suite-meta { color: var(--muted); font-size: 13px; margin: 0 0 12px; }
.table-wrap { overflow-x: auto; border: 1px solid var(--border); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { padding: 7px 9px; text-align: left; border-bottom: 1px solid var(--border); vertical-align: middle; }
tbody tr:last-child td { border-bottom: none; }
tbody tr:hover { background: var(--subtle); }
th { background: var(--subtle); font-weight: 600; font-size: 12.5px; line-height: 1.3; color: var(--muted);
  vertical-align: bottom; }
table.leaderboard th { max-width: 7.5em; }
th.sortable { cursor: pointer; user-select: none; }
th.sortable:hover { color: var(--fg); }
th.sortable { position: relative; padding-right: 14px; }
th .arrow { position: absolute; right: 3px; bottom: 7px; color: var(--accent); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.rank { color: var(--muted); width: 2.5em; }
.runs pre.config { max-height: 320px; overflow: auto; background: var(--subtle); padding: 10px;
  border-radius: 6px; margin-top: 6px; min-width: 280px; }
details > summary { cursor: pointer; }
.runs details > summary { color: var(--accent); font-size: 13px; }
.model { font-weight: 600; white-space: nowrap; }
.model .run { display: block; font-weight: 400; font-size: 12px; color: var(--muted); }
.acc { display: flex; align-items: center; gap: 8px; white-space: nowrap; }
.acc-value { font-weight: 600; font-variant-numeric: tabular-nums; min-width: 3.6em; text-align: right; }
.acc-ci { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; min-width: 7.2em; }
.cibar { position: relative; width: 76px; height: 10px; background: var(--subtle);
  border: 1px solid var(--border); border-radius: 5px; flex: none; }
.cibar-range { position: absolute; top: 1px; bottom: 1px; background: #9ec5f8; border-radius: 4px; }
.cibar-point { position: absolute; top: -3px; width: 2px; height: 14px; margin-left: -1px; background: var(--accent); }
.pill { display: inline-block; padding: 0 7px; border-radius: 999px; font-size: 12px; line-height: 19px; }
.pill.bad { background: var(--bad-soft); color: var(--bad); }
.pill.warn { background: var(--warn-soft); color: var(--warn); }
.has-tip { text-decoration: underline dotted var(--muted); text-underline-offset: 3px; cursor: help; }
.note { font-size: 13px; color: var(--muted); margin: 8px 0 0; }
.plot { margin: 18px 0 0; }
.plot svg { width: 100%; max-width: 720px; height: auto; display: block; }
.plot text { font: 11.5px system-ui, sans-serif; fill: var(--muted); }
.plot text.label { fill: var(--fg); font-size: 12px; }
.plots { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: flex-start; }
.plots .plot { flex: 2 1 540px; min-width: 0; }
.plots .plot.small { flex: 1 1 320px; }
.plot.small svg { max-width: 470px; }
.plot ul.legend svg { display: inline-block; width: 28px; height: 12px; flex: none; }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 6px 0 0; padding: 0;
  font-size: 12.5px; color: var(--fg); }
ul.legend li { display: inline-flex; align-items: center; gap: 6px; }
.probe { margin: 8px 0 0; }
.probe h3 .muted { font-weight: 400; font-size: 13px; }
table.figures th { width: 40%; font-size: 13px; color: var(--fg); font-weight: 500; background: none;
  vertical-align: top; }
details.assumptions { margin: 8px 0 0; font-size: 13px; }
details.assumptions > summary { color: var(--accent); }
details.assumptions ul { margin: 6px 0 0; padding-left: 20px; color: var(--muted); }
.controls { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 0 0 12px; }
select, input[type=search] { font: inherit; font-size: 14px; padding: 5px 8px; border: 1px solid var(--border);
  border-radius: 6px; background: var(--bg); color: var(--fg); }
input[type=search] { min-width: 200px; }
.seg { display: inline-flex; border: 1px solid var(--border); border-radius: 6px; overflow: hidden; }
.seg button { font: inherit; font-size: 13px; padding: 5px 11px; border: none; background: var(--bg);
  color: var(--fg); cursor: pointer; border-right: 1px solid var(--border); }
.seg button:last-child { border-right: none; }
.seg button[aria-pressed=true] { background: var(--accent); color: #fff; }
.seg .count { opacity: 0.75; margin-left: 4px; font-variant-numeric: tabular-nums; }
ol.item-list { list-style: none; margin: 0; padding: 0; border: 1px solid var(--border); border-radius: 8px; }
ol.item-list > li { border-bottom: 1px solid var(--border); }
ol.item-list > li:last-child { border-bottom: none; }
.item > summary { list-style: none; padding: 8px 12px; display: grid; gap: 2px 10px;
  grid-template-columns: auto minmax(0, 1fr) auto; align-items: baseline; }
.item > summary::-webkit-details-marker { display: none; }
.item > summary:hover { background: var(--subtle); }
.item[open] > summary { background: var(--subtle); border-bottom: 1px solid var(--border); }
.verdict { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 999px; text-align: center; min-width: 64px; }
.verdict.correct { background: var(--good-soft); color: var(--good); }
.verdict.wrong { background: var(--bad-soft); color: var(--bad); }
.verdict.error { background: var(--warn-soft); color: var(--warn); }
.verdict.unscored { background: var(--subtle); color: var(--muted); }
.verdict.pairwise { background: var(--subtle); color: var(--ink, inherit); }
.item-head { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.item-id { font-family: var(--mono); font-size: 13px; font-weight: 600; }
.item-head .pair { margin-left: 12px; font-size: 13px; color: var(--muted); }
.item-head .pair b { color: var(--fg); font-weight: 500; font-family: var(--mono); }
.item-meta { font-size: 12.5px; color: var(--muted); white-space: nowrap; font-variant-numeric: tabular-nums; }
.preview { grid-column: 2 / 4; font-size: 13px; color: var(--muted); overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.item-body { padding: 12px 16px 16px; display: grid; gap: 14px; }
.fields { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; font-size: 13.5px; }
.fields dt { color: var(--muted); }
.fields dd { margin: 0; min-width: 0; word-break: break-word; }
.block h4 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); margin: 0 0 6px; }
.block pre, .msg pre { background: var(--subtle); border: 1px solid var(--border); border-radius: 6px; padding: 10px 12px;
  max-height: 480px; overflow: auto; }
.block pre.error { background: var(--warn-soft); }
.msg { margin: 0 0 8px; }
.msg .role { font-size: 12px; font-weight: 600; color: var(--muted); }
.reasoning > summary { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); font-weight: 600; }
.reasoning > pre { margin-top: 6px; }
button.more { margin: 12px 0 0; font: inherit; font-size: 14px; padding: 6px 14px; border: 1px solid var(--border);
  border-radius: 6px; background: var(--bg); cursor: pointer; color: var(--accent); }
.empty { padding: 14px; color: var(--muted); }
@media (max-width: 720px) {
  body { padding: 16px 12px 40px; }
  .item > summary { grid-template-columns: auto minmax(0, 1fr); }
  .item-meta { grid-column: 2; }
  .preview { grid-column: 1 / 3; }
  .cibar { display: none; }
}
)css";
}

}  // namespace rbench
