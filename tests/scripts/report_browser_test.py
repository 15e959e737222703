#!/usr/bin/env python3
"""The HTML report in headless Chromium, checked through the DOM.

  report_browser_test.py RBENCH SOURCE_DIR ARTIFACT_DIR

Renders the golden demo store (a copy: opening a store migrates it) and a larger one made from
it (1,080 samples, so that every model has more than a page of items), appends a checking script
after the report's own (it runs once main() has returned), opens each page with --dump-dom at
1280x900 and 390x900, and reads what the checker measured from an attribute of <html>:
- no horizontal overflow of the page at either width; the overview (#overview) is drawn and fits,
  without scrolling, at 1280;
- the frontier section holds SVG charts with points;
- the published band (#published, from the bundled data/published) is there and marked as such;
- the items view: filters count and show the right rows, the text filter matches ids, and "Show
  more" pages through a long list.
Screenshots at both widths are kept in ARTIFACT_DIR for people to look at; they are not compared.
Exit 77 (skipped) without Chromium. Each Chromium is bounded in time and killed by its process
group, which this script started.
"""
import html
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Runs at DOMContentLoaded, after the items views' own handlers (registered by main()): measures, drives the first items view, and leaves its findings as JSON in
# <html data-check>. Every step reports; nothing throws past it.
CHECKER = r"""<script>addEventListener('DOMContentLoaded', function () {
const out = {errors: []};
try {
  const root = document.documentElement;
  out.innerWidth = innerWidth;
  out.scrollWidth = root.scrollWidth;
  // Elements reaching past the right edge, unless an ancestor that fits clips or scrolls them.
  const clipped = e => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== 'visible' && a.getBoundingClientRect().right <= innerWidth + 1) return true;
    }
    return false;
  };
  out.wide = Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !clipped(e))
    .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id);
  const overview = document.getElementById('overview');
  if (overview) {
    out.overview = {right: overview.getBoundingClientRect().right,
                    scrolls: Array.from(overview.querySelectorAll('*'))
                      .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
                      .map(e => e.tagName + '.' + e.className)};
  }
  const frontier = document.getElementById('frontier');
  out.frontier = frontier && {charts: frontier.querySelectorAll('figure.frontier-chart').length,
                              svgs: frontier.querySelectorAll('svg').length,
                              points: frontier.querySelectorAll('svg circle').length,
                              fronts: frontier.querySelectorAll('svg path.front').length,
                              hidden: frontier.hidden};
  const published = document.getElementById('published');
  out.published = published && {band: published.classList.contains('published-band'),
                                 heading: (published.querySelector('h2, h3') || {}).textContent || ''};
  // The first items view with wrong answers, so that the Wrong filter has rows to show.
  const views = Array.from(document.querySelectorAll('.items'));
  const items = views.find(v => Number(v.querySelector('[data-filter="wrong"] .count').textContent) > 0) ||
                views[0];
  if (items) {
    const rows = () => items.querySelectorAll('ol.item-list > li:not(.empty)').length;
    const button = key => items.querySelector('button[data-filter="' + key + '"]');
    const count = key => Number(button(key).querySelector('.count').textContent);
    const more = items.querySelector('button.more');
    const r = out.items = {all: count('all'), wrong: count('wrong'), errors: count('errors'),
                           firstPage: rows(), moreHidden: more.hidden};
    if (!more.hidden) { more.click(); r.secondPage = rows(); }
    button('wrong').click();
    r.wrongRows = rows();
    r.wrongVerdicts = Array.from(items.querySelectorAll('ol.item-list .verdict'))
      .filter(v => !v.classList.contains('wrong')).length;
    button('all').click();
    const search = items.querySelector('input[type=search]');
    const firstId = items.querySelector('.item-id').textContent.split(' ')[0];
    search.value = firstId;
    search.dispatchEvent(new Event('input'));
    r.query = firstId;
    r.queryRows = rows();
    r.queryIds = Array.from(items.querySelectorAll('.item-id')).map(e => e.textContent.split(' ')[0]);
    const first = items.querySelector('details.item');
    first.open = true;
    first.dispatchEvent(new Event('toggle'));
    r.opened = !!first.querySelector('.item-body');
  }
} catch (e) {
  out.errors.push(String(e && e.stack || e));
}
document.documentElement.setAttribute('data-check', JSON.stringify(out));
// --dump-dom serialises the DOM: without the data, it stays small.
for (const e of document.querySelectorAll('script')) e.textContent = '';
});</script>
"""

MIN_WINDOW = 500
FRAME = """<!doctype html><html><head><style>body {{ margin: 0 }} iframe {{ border: 0 }}</style></head>
<body><iframe src="{src}" width="{width}" height="900"
onload="document.documentElement.setAttribute('data-check',
this.contentDocument.documentElement.getAttribute('data-check'))"></iframe></body></html>
"""


def run_chromium(args, scratch, stdout=subprocess.DEVNULL):
    profile = tempfile.mkdtemp(prefix="profile-", dir=scratch)
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                            stdout=stdout, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError(f"chromium {' '.join(args)} took over 90 s")
    finally:
        # Chromium's helpers share its process group: none outlives the test.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return out


def checked(page, width, scratch):
    probed = os.path.join(scratch, f"probed-{width}-{os.path.basename(page)}")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    at = text.rfind("</body>")
    with open(probed, "w", encoding="utf-8") as f:
        f.write(text[:at] + CHECKER + text[at:])
    target, window = probed, width
    if width < MIN_WINDOW:
        # Chromium's windows are at least 500 px wide: a narrower screen is a frame that wide,
        # whose result the outer page copies out (file pages reach each other's DOM only with
        # --allow-file-access-from-files).
        target, window = os.path.join(scratch, f"frame-{width}.html"), MIN_WINDOW
        with open(target, "w", encoding="utf-8") as f:
            f.write(FRAME.format(width=width, src=os.path.basename(probed)))
    dom = run_chromium([f"--window-size={window},900", "--allow-file-access-from-files",
                        "--dump-dom", "file://" + target], scratch,
                       stdout=subprocess.PIPE).decode("utf-8", "replace")
    found = re.search(r'data-check="([^"]*)"', dom[:200000])
    if not found:
        raise AssertionError(f"{page} at {width}px: no data-check on <html>: the report's script "
                             "or the checker failed before the end")
    return json.loads(html.unescape(found.group(1)))


class Checks:
    def __init__(self):
        self.failures = []

    def expect(self, ok, what):
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failures.append(what)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    rbench, source, artifacts = (os.path.abspath(a) for a in sys.argv[1:])
    if not os.access(CHROMIUM, os.X_OK):
        print(f"skipped: {CHROMIUM} missing (RBENCH_WITH_CHROMIUM=1 scripts/setup installs it)")
        return 77
    os.makedirs(artifacts, exist_ok=True)
    # The bench script's store builder (copies of the demo's samples), imported from its file.
    loader = importlib.machinery.SourceFileLoader(
        "bench_report_open", os.path.join(source, "scripts", "bench-report-open"))
    bench = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(bench)
    scratch = tempfile.mkdtemp(prefix="rbench-browser-")
    env = dict(os.environ, RBENCH_DATA=os.path.join(source, "data"))
    c = Checks()
    try:
        pages = {}
        for name, samples in (("demo", 0), ("long", 1080)):
            db = os.path.join(scratch, f"{name}.db")
            if samples:
                bench.make_store(os.path.join(source, "tests", "golden", "demo.db"), db, samples)
            else:
                shutil.copyfile(os.path.join(source, "tests", "golden", "demo.db"), db)
            pages[name] = os.path.join(artifacts, f"{name}.html")
            subprocess.run([rbench, "report", "--db", db, "--format", "html", "-o", pages[name]],
                           check=True, timeout=120, env=env)
        for width in (1280, 390):
            m = checked(pages["demo"], width, scratch)
            shot = pages["demo"]
            if width < MIN_WINDOW:
                shot = os.path.join(artifacts, f"frame-{width}.html")
                with open(shot, "w", encoding="utf-8") as f:
                    f.write(FRAME.format(width=width, src=os.path.basename(pages["demo"])))
            run_chromium([f"--window-size={max(width, MIN_WINDOW)},900",
                          f"--screenshot={os.path.join(artifacts, f'demo-{width}.png')}",
                          "file://" + shot], scratch)
            at = f"demo at {width}px"
            c.expect(not m["errors"], f"{at}: the checker ran without errors {m['errors']}")
            c.expect(m["innerWidth"] == width, f"{at}: the window is {m['innerWidth']}px wide")
            c.expect(m["scrollWidth"] <= m["innerWidth"] and not m["wide"],
                     f"{at}: no horizontal overflow (scrollWidth {m['scrollWidth']}, "
                     f"wider elements {m['wide']})")
            o = m.get("overview")
            c.expect(o is not None, f"{at}: the overview is drawn")
            if width == 1280 and o is not None:
                c.expect(o["right"] <= width and not o["scrolls"],
                         f"{at}: the overview fits (right edge {o['right']}, scrolling {o['scrolls']})")
            f = m["frontier"]
            # Two charts (cost, speed); the demo's runs are priced by the hour.
            c.expect(f is not None and not f["hidden"] and f["charts"] == 2 and f["svgs"] >= 1
                     and f["points"] >= 1 and f["fronts"] >= 1, f"{at}: frontier charts drawn {f}")
            # RBENCH_DATA names the repository's data/, so the bundled published rows are shown.
            p = m.get("published")
            c.expect(p is not None, f"{at}: the published band is there")
            if p is not None:
                c.expect(p["band"] and "Published, not measured here" in p["heading"],
                         f"{at}: the published band is marked {p}")
            i = m["items"]
            c.expect(i["firstPage"] == i["all"] and i["moreHidden"],
                     f"{at}: a short list shows whole ({i['firstPage']} of {i['all']})")
            c.expect(i.get("opened"), f"{at}: an opened item shows its details")
        m = checked(pages["long"], 1280, scratch)
        i = m["items"]
        c.expect(not m["errors"], f"long list: the checker ran without errors {m['errors']}")
        c.expect(i["all"] > 100 and i["firstPage"] == 100 and not i["moreHidden"],
                 f"long list: a first page of 100 of {i['all']}")
        c.expect(i.get("secondPage") == min(200, i["all"]),
                 f"long list: 'Show more' adds a page ({i.get('secondPage')})")
        c.expect(i["wrong"] > 0 and i["wrongRows"] == min(100, i["wrong"]) and i["wrongVerdicts"] == 0,
                 f"long list: the Wrong filter shows {i['wrongRows']} rows of {i['wrong']}, "
                 f"all wrong ({i['wrongVerdicts']} not)")
        c.expect(i["queryRows"] >= 1 and all(i["query"] in q for q in i["queryIds"]),
                 f"long list: the text filter '{i['query']}' keeps matching ids only "
                 f"({i['queryRows']} rows)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"screenshots and pages in {artifacts}")
    if c.failures:
        print(f"{len(c.failures)} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
