#!/usr/bin/env python3
"""The search page of `nsearch serve`, driven in headless Chromium over the
Chrome DevTools Protocol.

usage: test_page.py NSEARCH NINDEX WORKDIR [SCREENSHOT.png]
(or the screenshot path in $NS_SCREENSHOT; default WORKDIR/page.png).

Builds a small index with NINDEX, starts `NSEARCH serve` on a free port,
loads the page, searches by typing into #q, and checks the rendered DOM
against the server's own JSON: hits, ranks, <mark> highlights from
highlights_utf16, #total, Next/Prev and the back button, a query in the
URL, ?doc=ID, the Syntax toggle, error answers with a caret, stored HTML
shown as text (XSS), no script errors or CSP violations, and an error
message once the server is gone.  Exit 0 passed, 1 failed, 77 skipped
(no chromium or no python3-websocket).
"""
import base64, json, os, re, shutil, signal, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.parse, urllib.request

START = time.monotonic()
DEADLINE = START + 55          # every wait is bounded by this too


def skip(why):
    print('skipped: ' + why)
    sys.exit(77)


try:
    import websocket
except ImportError:
    # Debian's python3-websocket is pure Python in the system interpreter's
    # dist-packages; a python3 from pyenv or a venv does not see it.
    sys.path.append('/usr/lib/python3/dist-packages')
    try:
        import websocket
    except ImportError:
        skip('python3-websocket (websocket-client) is not installed')

CHROMIUM = os.environ.get('CHROMIUM') or next(
    (p for p in map(shutil.which, ('chromium', 'chromium-browser', 'google-chrome')) if p), None)
if not CHROMIUM:
    skip('chromium is not installed')


class Failure(Exception):
    pass


def log(msg):
    print('[%5.1fs] %s' % (time.monotonic() - START, msg), flush=True)


def left(timeout):
    t = min(timeout, DEADLINE - time.monotonic())
    if t <= 0:
        raise Failure('overall time limit reached')
    return t


# ---------------------------------------------------------------- fixtures
def corpus():
    docs = []
    for i in range(1, 26):   # 25 documents about oil: three pages of 10
        word = ('oil', 'Oil', 'OIL')[i % 3]
        docs.append({
            'id': 'news/%02d' % i,
            'title': 'Café report %d: %s prices' % (i, word),
            'body': ('Résumé n°%d 😀 — traders said %s output and crude OIL stocks %s. ' % (i, word, 'rose' if i % 2 else 'fell')
                     + 'Naïve filler text about markets. ' * (i % 5)
                     + 'More oil later. ' * (1 + i % 4)),
            'date': '1987-03-%02d' % i})
    for i in range(1, 6):
        docs.append({'id': 'grain/%d' % i, 'title': 'Wheat %d' % i,
                     'body': 'Wheat and corn harvest %d.' % i})
    docs.append({'id': 'xss/1', 'title': '<script>window.__pwned=1</script> pwned title',
                 'body': 'pwned body "><img src=x onerror="window.__pwned=1"> and '
                         '<script>window.__pwned=1</script> end',
                 'url': 'javascript:window.__pwned=1',
                 'note': '<img src=x onerror="window.__pwned=1">'})
    docs.append({'id': 'xss/2 a&b?c#d%41+z', 'title': '"><img src=x onerror="window.__pwned=1">',
                 'body': 'pwned again <script>window.__pwned=1</script> <b>bold?</b>'})
    return docs


class Server:
    def __init__(self, nsearch, idx):
        self.lines = []
        self.proc = subprocess.Popen([nsearch, 'serve', '-i', idx, '--listen', '127.0.0.1:0', '-q'],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors='replace')
        self.ready = threading.Event()
        self.port = None
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(left(10)) or not self.port:
            raise Failure('nsearch serve did not print its "serving" line%s; stderr: %r'
                          % ('' if self.proc.poll() is None else ' (exit %d)' % self.proc.returncode, self.lines[-5:]))
        self.base = 'http://127.0.0.1:%d/' % self.port

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip('\n'))
            m = re.match(r"nsearch: serving '.*' on http://127\.0\.0\.1:(\d+)/$", line.rstrip('\n'))
            if m and not self.port:
                self.port = int(m.group(1))
                self.ready.set()
        self.ready.set()

    def api(self, path):
        """GET path from the server: (status, headers, body as text)."""
        try:
            with urllib.request.urlopen(self.base + path.lstrip('/'), timeout=left(10)) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def search(self, q, offset=0):
        st, _, body = self.api('search?' + urllib.parse.urlencode({'q': q, 'k': 10, 'offset': offset}))
        return st, json.loads(body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise Failure('nsearch serve did not exit within 10 s of SIGTERM')
        return self.proc.returncode


class Chromium:
    def __init__(self, workdir):
        self.profile = tempfile.mkdtemp(prefix='chromium-', dir=workdir)
        self.errlog = open(os.path.join(workdir, 'chromium.log'), 'w')
        self.proc = subprocess.Popen(
            [CHROMIUM, '--headless=new', '--remote-debugging-port=0', '--user-data-dir=' + self.profile,
             '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
             '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--disable-breakpad', '--mute-audio',
             '--password-store=basic', '--window-size=1200,1000', 'about:blank'],
            stdin=subprocess.DEVNULL, stdout=self.errlog, stderr=self.errlog, start_new_session=True)
        portfile = os.path.join(self.profile, 'DevToolsActivePort')
        t_end = time.monotonic() + left(20)
        while True:
            if self.proc.poll() is not None:
                raise Failure('chromium exited (%d) at start; see %s' % (self.proc.returncode, self.errlog.name))
            try:
                with open(portfile) as f:
                    port = f.read().split('\n')[0].strip()
                if port:
                    break
            except OSError:
                pass
            if time.monotonic() > t_end:
                raise Failure('chromium wrote no DevToolsActivePort within 20 s; see ' + self.errlog.name)
            time.sleep(0.1)
        with urllib.request.urlopen('http://127.0.0.1:%s/json/list' % port, timeout=left(10)) as r:
            pages = [t for t in json.load(r) if t.get('type') == 'page']
        if not pages:
            raise Failure('chromium has no page target')
        self.ws = websocket.create_connection(pages[0]['webSocketDebuggerUrl'], timeout=left(10),
                                              suppress_origin=True)
        self.next_id = 0
        self.problems = []      # script exceptions and CSP violations seen on the page
        for domain in ('Page', 'Runtime', 'Log'):
            self.call(domain + '.enable')

    def _event(self, m):
        p = m.get('params', {})
        if m['method'] == 'Runtime.exceptionThrown':
            d = p.get('exceptionDetails', {})
            self.problems.append('exception: ' + (d.get('exception', {}).get('description') or d.get('text', '')))
        elif m['method'] == 'Log.entryAdded':
            e = p.get('entry', {})
            if e.get('level') == 'error' and 'Failed to load resource' not in e.get('text', ''):
                self.problems.append('console: ' + e.get('text', ''))
        elif m['method'] == 'Runtime.consoleAPICalled' and p.get('type') == 'error':
            self.problems.append('console.error: %r' % [a.get('value', a.get('description')) for a in p.get('args', [])])

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({'id': my, 'method': method, 'params': params}))
        t_end = time.monotonic() + left(10)
        while True:
            self.ws.settimeout(max(0.05, t_end - time.monotonic()))
            try:
                m = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                raise Failure('DevTools did not answer %s within 10 s' % method)
            if 'method' in m:
                self._event(m)
            elif m.get('id') == my:
                if 'error' in m:
                    raise Failure('%s: %s' % (method, m['error']))
                return m.get('result', {})

    def js(self, expr):
        r = self.call('Runtime.evaluate', expression=expr, returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in r:
            raise Failure('evaluating %r: %s' % (expr[:80], r['exceptionDetails'].get('exception', {}).get('description')))
        return r['result'].get('value')

    def wait(self, expr, what, timeout=10):
        t_end = time.monotonic() + left(timeout)
        while True:
            try:
                v = self.js(expr)
            except Failure as e:   # a navigation in progress, or away from the page
                if 'navigated' not in str(e) and 'context' not in str(e):
                    raise
                v = None
            if v:
                return v
            if time.monotonic() > t_end:
                raise Failure('timed out after %gs waiting for %s; page: %s' % (timeout, what, self.js(STATE)))
            time.sleep(0.05)

    def goto(self, url):
        self.call('Page.navigate', url=url)
        self.wait('document.readyState === "complete" && location.href === %s && !!document.getElementById("q")'
                  % json.dumps(url), 'the page at ' + url)

    def click(self, selector):
        r = self.js('''(() => { const e = document.querySelector(%s); if (!e) return null;
            e.scrollIntoView({block: "center"}); const b = e.getBoundingClientRect();
            return [b.x + b.width / 2, b.y + b.height / 2, !e.disabled && b.width > 0 && b.height > 0]; })()'''
                    % json.dumps(selector))
        if not r:
            raise Failure('no element %s to click; page: %s' % (selector, self.js(STATE)))
        if not r[2]:
            raise Failure('%s is disabled or invisible; page: %s' % (selector, self.js(STATE)))
        for kind in ('mouseMoved', 'mousePressed', 'mouseReleased'):
            self.call('Input.dispatchMouseEvent', type=kind, x=r[0], y=r[1], button='left', clickCount=1)

    def type_query(self, text):
        self.js('(() => { const q = document.getElementById("q"); q.focus(); q.select(); })()')
        self.call('Input.insertText', text=text)
        v = self.js('document.getElementById("q").value')
        if v != text:
            raise Failure('#q holds %r after typing %r' % (v, text))

    def press_enter(self):
        for kind in ('keyDown', 'keyUp'):
            self.call('Input.dispatchKeyEvent', type=kind, key='Enter', code='Enter',
                      windowsVirtualKeyCode=13, nativeVirtualKeyCode=13, **({'text': '\r'} if kind == 'keyDown' else {}))

    def screenshot(self, path):
        data = self.call('Page.captureScreenshot', format='png', captureBeyondViewport=True)['data']
        with open(path, 'wb') as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(5)
        self.errlog.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# What the page shows, for checks and failure messages.
HITS = '''Array.from(document.querySelectorAll("#results li.hit")).map(li => {
  const a = li.querySelector(".title a"), s = li.querySelector(".snippet"), r = li.querySelector(".rank");
  return {rank: r && r.textContent.trim(), title: a && a.textContent,
          id: a && new URL(a.href).searchParams.get("doc"), score: !!li.querySelector(".score"),
          snippet: s && s.textContent, marks: s ? Array.from(s.querySelectorAll("mark"), m => m.textContent) : []};
})'''
VISIBLE = '(id => { const e = document.getElementById(id); return !!e && !e.hidden && e.getClientRects().length > 0; })'
STATE = '''JSON.stringify({url: location.href, q: (document.getElementById("q") || {}).value,
  total: (document.getElementById("total") || {}).textContent,
  error: (document.getElementById("error") || {}).textContent,
  hits: document.querySelectorAll("#results li.hit").length,
  ranks: Array.from(document.querySelectorAll("#results li.hit .rank"), e => e.textContent).join(",")})'''


def u16slice(s, a, b):
    return s.encode('utf-16-le')[2 * a:2 * b].decode('utf-16-le')


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def wait_ranks(br, first, n, what):
    want = [str(r) for r in range(first, first + n)]
    br.wait('(() => { const r = Array.from(document.querySelectorAll("#results li.hit .rank"), e => e.textContent.trim());'
            ' return JSON.stringify(r) === %s; })()' % json.dumps(json.dumps(want, separators=(",", ":"))),
            '%s: ranks %d..%d' % (what, first, first + n - 1))


def check_hits(br, answer, what):
    """The rendered hits are the server's answer: ids, titles, snippets, marks."""
    shown = br.js(HITS)
    hits = answer['hits']
    check(len(shown) == len(hits), '%s: %d hits shown, the server answered %d' % (what, len(shown), len(hits)))
    for s, h in zip(shown, hits):
        check(s['rank'] == str(h['rank']), '%s: rank %r shown for %r' % (what, s['rank'], h['rank']))
        check(s['id'] == h['id'], '%s: rank %d links to %r, not %r' % (what, h['rank'], s['id'], h['id']))
        check(s['title'] == (h.get('title') or h['id']), '%s: title %r, not %r' % (what, s['title'], h.get('title')))
        check(s['score'], '%s: rank %d has no .score' % (what, h['rank']))
        check(s['snippet'] == h['snippet'], '%s: snippet %r, not %r' % (what, s['snippet'], h['snippet']))
        want = [u16slice(h['snippet'], a, b) for a, b in h['highlights_utf16']]
        check(s['marks'] == want, '%s: rank %d marks %r, not %r' % (what, h['rank'], s['marks'], want))
    return shown


def url_params(br):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(br.js('location.href')).query))


# ------------------------------------------------------------------- tests
def run(srv, br, shot):
    st, hdr, page = srv.api('/')
    check(st == 200 and 'text/html' in hdr.get('Content-Type', ''), 'GET / answered %d %s' % (st, hdr.get('Content-Type')))
    csp = hdr.get('Content-Security-Policy', '')
    check("script-src 'self'" in csp and "default-src 'none'" in csp,
          'GET / has no Content-Security-Policy as in the contract (got %r)' % csp)

    base = srv.base
    br.goto(base)
    check(br.js('document.querySelectorAll("#results li.hit").length') == 0, 'hits on the empty page')
    check(not br.js(VISIBLE + '("error")'), '#error shown on the empty page')
    log('ok: page loaded')

    # A search typed and clicked: ranks 1..10, marks, total, took
    st, a1 = srv.search('oil')
    check(st == 200 and a1['total'] > 20, 'the fixture needs > 20 hits for oil: %d %r' % (st, a1.get('total')))
    br.type_query('oil')
    br.click('#go')
    wait_ranks(br, 1, 10, 'search oil')
    shown = check_hits(br, a1, 'search oil')
    marks = [m for s in shown for m in s['marks']]
    check(all(s['marks'] for s in shown), 'a snippet without <mark>: %r' % shown)
    check(all(m.lower().startswith('oil') for m in marks), 'marks that are not the query word: %r' % marks)
    check(any(m != m.lower() for m in marks) and 'oil' in marks, 'marks of one case only: %r' % marks)
    check(br.js('document.querySelectorAll("#results .snippet mark").length') == len(marks), 'marks outside .snippet')
    total = br.js('document.getElementById("total").textContent')
    check(str(a1['total']) in total, '#total %r does not show %d' % (total, a1['total']))
    check(re.search(r'\d', br.js('document.getElementById("took").textContent') or ''), '#took shows no number')
    check(url_params(br).get('q') == 'oil' and url_params(br).get('offset', '0') == '0', 'URL after search: ' + br.js('location.href'))
    url1 = br.js('location.href')
    br.screenshot(shot)
    log('ok: search oil: ranks 1..10, %d marks, #total %r; screenshot %s' % (len(marks), total, shot))

    # Next, then the back button
    br.click('#next')
    wait_ranks(br, 11, 10, 'Next')
    check_hits(br, srv.search('oil', 10)[1], 'Next')
    check(url_params(br) == {'q': 'oil', 'offset': '10'}, 'URL after Next: ' + br.js('location.href'))
    check(not br.js('document.getElementById("prev").disabled'), '#prev disabled on page 2')
    br.js('setTimeout(() => history.back(), 0)')
    wait_ranks(br, 1, 10, 'history.back()')
    check(br.js('location.href') == url1, 'back at %s, not %s' % (br.js('location.href'), url1))
    check(br.js('document.getElementById("q").value') == 'oil', '#q not restored by history.back()')
    check_hits(br, a1, 'history.back()')
    br.js('setTimeout(() => history.forward(), 0)')
    wait_ranks(br, 11, 10, 'history.forward()')
    log('ok: Next gives ranks 11..20, back returns to 1..10 and %s, forward to 11..20' % url1)

    # A query in the URL runs on load ('+' is a space); the last page
    url = base + '?q=crude+oil&offset=20'
    st, a3 = srv.search('crude oil', 20)
    check(st == 200 and a3['query'] == 'crude oil', "the server did not decode '+' as a space: %d %r" % (st, a3.get('query')))
    br.goto(url)
    wait_ranks(br, 21, len(a3['hits']), 'opening ' + url)
    check_hits(br, a3, 'opening ' + url)
    check(br.js('document.getElementById("q").value') == 'crude oil', '#q after opening ' + url)
    check(br.js('document.getElementById("next").disabled'), '#next enabled on the last page')
    log('ok: %s runs the search: ranks 21..%d, Next disabled' % (url, 20 + len(a3['hits'])))

    # Malformed queries: the server's message and a caret under its column
    for q, how in (('"oil', 'enter'), ('😀 café "oil', 'click')):   # columns count characters
        st, err = srv.search(q)
        check(st == 400 and 'error' in err, 'the server answered %d %r to %r' % (st, err, q))
        e = err['error']
        br.type_query(q)
        br.press_enter() if how == 'enter' else br.click('#go')
        br.wait(VISIBLE + '("error")', '#error for ' + q)
        text = br.js('document.getElementById("error").textContent')
        check(e['message'] in text, '#error %r lacks the message %r' % (text, e['message']))
        check(br.js('document.querySelectorAll("#results li.hit").length') == 0, 'hits shown with an error')
        check(url_params(br).get('q') == q, 'URL after %r: %s' % (q, br.js('location.href')))
        if 'column' in e:
            lines = br.js('Array.from(document.querySelectorAll("#error pre"), p => p.textContent).join("\\n")').split('\n')
            carets = [l for l in lines if l.strip() == '^']
            check(carets and carets[0].index('^') == e['column'] - 1 and q in lines,
                  'no caret at column %d under %r in #error: %r' % (e['column'], q, lines))
        log('ok: %r (%s) shows #error %r%s' % (q, how, e['message'][:50], ' with a caret at column %d' % e['column'] if 'column' in e else ''))

    # Only stop words: no hits, no error, a note saying so
    st, a0 = srv.search('the')
    check(st == 200 and a0['total'] == 0 and a0.get('empty_query') == 'stopwords', 'the server on "the": %d %r' % (st, a0))
    br.type_query('the')
    br.press_enter()
    br.wait('location.search.includes("q=the") && /stop word/i.test(document.body.innerText)', 'a note on stop words')
    check(br.js('document.querySelectorAll("#results li.hit").length') == 0, 'hits for "the"')
    check(not br.js(VISIBLE + '("error")'), '#error for "the"')
    check(br.js('document.getElementById("total").textContent.trim()'), '#total empty for "the"')
    log('ok: "the" shows no hits, no error, %r and a note on stop words' % br.js('document.getElementById("total").textContent'))

    # The document view, from a title link; back to the results
    br.goto(base + '?q=oil')
    wait_ranks(br, 1, 10, 'search oil again')
    first = a1['hits'][0]
    st, _, body = srv.api('/doc/' + urllib.parse.quote(first['id'], safe=''))
    check(st == 200, 'GET /doc/%s answered %d' % (first['id'], st))
    doc = json.loads(body)
    url_oil = br.js('location.href')
    br.click('#results li.hit .title a')
    br.wait(VISIBLE + '("doc") && document.getElementById("doc").textContent.includes(%s)' % json.dumps(doc['body']),
            'the document view of ' + first['id'])
    check(url_params(br) == {'doc': first['id']}, 'URL of the document view: ' + br.js('location.href'))
    check(not br.js(VISIBLE + '("results")'), '#results still shown with #doc')
    br.click('#doc a[href]')        # its first link: back to the results
    wait_ranks(br, 1, 10, 'the link back from the document view')
    check(br.js('location.href') == url_oil, 'the link back went to ' + br.js('location.href'))
    check(not br.js(VISIBLE + '("doc")'), '#doc still shown after the link back')
    br.js('setTimeout(() => history.forward(), 0)')
    br.wait(VISIBLE + '("doc") && document.getElementById("doc").textContent.includes(%s)' % json.dumps(doc['body']),
            'the document view again after history.forward()')
    br.js('setTimeout(() => history.back(), 0)')
    wait_ranks(br, 1, 10, 'history.back() from the document view')
    check(not br.js(VISIBLE + '("doc")'), '#doc still shown after history.back()')
    log('ok: the title link shows /doc/%s in #doc; its link back, forward and back work' % first['id'])

    # Stored HTML is text (XSS), in the hits and in the document view
    st, ax = srv.search('pwned')
    check(st == 200 and len(ax['hits']) == 2, 'the fixture needs 2 hits for pwned: %d %r' % (st, ax))
    br.type_query('pwned')
    br.click('#go')
    wait_ranks(br, 1, 2, 'search pwned')
    check_hits(br, ax, 'search pwned')
    xss_checks = '''JSON.stringify({pwned: typeof window.__pwned,
      bad: document.querySelectorAll("#results img, #results script, #doc img, #doc script, #results [onerror], #doc [onerror]").length,
      scripts: Array.from(document.scripts, s => s.getAttribute("src")),
      imgs: document.images.length,
      jslinks: Array.from(document.links).filter(a => !/^https?:/.test(a.href)).map(a => a.href)})'''
    def no_xss(where):
        time.sleep(0.2)   # time for an injected image's onerror to fire
        r = json.loads(br.js(xss_checks))
        check(r == {'pwned': 'undefined', 'bad': 0, 'scripts': ['/app.js'], 'imgs': 0, 'jslinks': []},
              '%s: injected markup became elements: %r' % (where, r))
    text = br.js('document.getElementById("results").textContent')
    check('<script>window.__pwned=1</script>' in text and '"><img src=x onerror=' in text,
          'the stored markup is not shown as text in #results: %r' % text)
    no_xss('search pwned')
    for h in ax['hits']:
        st, _, body = srv.api('/doc/' + urllib.parse.quote(h['id'], safe=''))
        check(st == 200, 'GET /doc/ of %r answered %d' % (h['id'], st))
        d = json.loads(body)
        br.goto(base + '?' + urllib.parse.urlencode({'doc': h['id']}))
        br.wait(VISIBLE + '("doc") && document.getElementById("doc").textContent.includes(%s)' % json.dumps(d['body']),
                'the document view of %r' % h['id'])
        check('<script>window.__pwned=1</script>' in br.js('document.getElementById("doc").textContent'),
              '#doc of %r does not show <script> as text' % h['id'])
        no_xss('document view of %r' % h['id'])
    log('ok: stored <script> and <img onerror> are shown as text, in hits and in ?doc= views; window.__pwned undefined')

    # The Syntax toggle
    st, _, syntax = srv.api('/syntax')
    check(st == 200 and syntax.strip(), 'GET /syntax answered %d' % st)
    toggle = 'button[aria-controls="syntax"]'
    check(br.js('!!document.querySelector(%s)' % json.dumps(toggle)), 'no Syntax toggle button')
    br.click(toggle)
    br.wait(VISIBLE + '("syntax") && document.getElementById("syntax").tagName === "PRE" && '
            'document.getElementById("syntax").textContent.trim() === %s' % json.dumps(syntax.strip()),
            'the syntax help in #syntax')
    br.click(toggle)
    br.wait('!' + VISIBLE + '("syntax")', '#syntax hidden by a second click')
    log('ok: the Syntax toggle shows /syntax in a <pre> and hides it')

    check(not br.problems, 'script errors or CSP violations on the page: %r' % br.problems)
    log('ok: no script exceptions, console errors or CSP violations')

    # The server stops on SIGTERM; a search then shows a readable error
    rc = srv.stop()
    check(rc == 0, 'nsearch serve exited %d on SIGTERM, not 0; stderr: %r' % (rc, srv.lines[-5:]))
    br.type_query('oil')
    br.press_enter()
    br.wait(VISIBLE + '("error") && /server|connect|reach|network/i.test(document.getElementById("error").textContent)',
            '#error saying the server cannot be reached')
    check(br.js('document.querySelectorAll("#results li.hit").length') == 0, 'hits shown while the server is gone')
    log('ok: SIGTERM: exit 0; then a search shows %r' % br.js('document.getElementById("error").textContent'))


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    nsearch, nindex, workdir = sys.argv[1:4]
    os.makedirs(workdir, exist_ok=True)
    shot = os.environ.get('NS_SCREENSHOT') or (sys.argv[4] if len(sys.argv) == 5 else os.path.join(workdir, 'page.png'))
    srv = br = None
    try:
        jsonl = os.path.join(workdir, 'corpus.jsonl')
        with open(jsonl, 'w', encoding='utf-8') as f:
            for d in corpus():
                f.write(json.dumps(d, ensure_ascii=False) + '\n')
        idx = os.path.join(workdir, 'idx')
        r = subprocess.run([nindex, '-j', '1', '-o', idx, jsonl], capture_output=True, text=True, timeout=left(30))
        check(r.returncode == 0, 'nindex failed (%d): %s' % (r.returncode, r.stderr.strip()))
        srv = Server(nsearch, idx)
        log('server on ' + srv.base)
        br = Chromium(workdir)
        log('chromium ready')
        run(srv, br, shot)
    except (Failure, OSError, subprocess.SubprocessError, websocket.WebSocketException, ValueError, KeyError) as e:
        print('FAILED: %s: %s' % (type(e).__name__, e) if not isinstance(e, Failure) else 'FAILED: %s' % e, flush=True)
        if srv and srv.lines:
            print('server stderr (last lines): %r' % srv.lines[-10:])
        return 1
    finally:
        if br:
            br.close()
        if srv and srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait(5)
    log('passed')
    return 0


if __name__ == '__main__':
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(Failure('overall time limit of 58 s reached')))
    signal.alarm(58)
    sys.exit(main())
