// nsearch serve: the search page.  Every piece of server text goes into the
// DOM as text nodes (textContent, createTextNode): never as HTML.
'use strict';
(function () {
  var K = 10;
  var $ = function (id) { return document.getElementById(id); };
  var el = {
    form: $('form'), q: $('q'), total: $('total'), took: $('took'),
    notes: $('notes'), results: $('results'), pager: $('pager'),
    prev: $('prev'), next: $('next'), error: $('error'),
    syntax: $('syntax'), syntaxToggle: $('syntax-toggle'),
    searchView: $('search-view'), doc: $('doc')
  };
  var seq = 0;        // answers to older requests than the latest are dropped
  var lastSearch = null;   // {q, offset} of the results on screen

  function make(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

  // GET a URL; resolves to the JSON (or text) answer, rejects with
  // {message, column} for error answers and for a failed fetch.
  function get(url, asText) {
    return fetch(url, { headers: { Accept: asText ? 'text/plain' : 'application/json' } })
      .catch(function (e) {
        throw { message: 'Could not reach the server (' + (e && e.message || e) + ').' };
      })
      .then(function (r) {
        if (r.ok) return asText ? r.text() : r.json().catch(function () {
          throw { message: 'The server\'s answer (HTTP ' + r.status + ') is not JSON.' };
        });
        return r.json().catch(function () { return null; }).then(function (j) {
          var err = j && j.error;
          if (err && err.message) throw err;
          throw { message: 'The server answered HTTP ' + r.status + ' ' + r.statusText + '.' };
        });
      });
  }

  function showError(err, query) {
    clear(el.error);
    el.error.appendChild(make('p', 'message', err.message || String(err)));
    if (query && typeof err.column === 'number' && err.column >= 1) {
      // column counts characters from 1; the caret goes under that one
      var pad = Array.from(query).slice(0, err.column - 1).join('').replace(/[^\t]/gu, ' ');
      el.error.appendChild(make('pre', 'caret', query + '\n' + pad + '^'));
    }
    el.error.hidden = false;
  }
  function hideError() { el.error.hidden = true; clear(el.error); }

  // The snippet as text nodes and <mark> elements, from UTF-16 offsets.
  function snippet(text, ranges) {
    var p = make('p', 'snippet'), at = 0;
    (ranges || []).slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (r) {
      var s = Math.max(r[0], at), e = Math.min(r[1], text.length);
      if (e <= s) return;
      if (s > at) p.appendChild(document.createTextNode(text.slice(at, s)));
      p.appendChild(make('mark', null, text.slice(s, e)));
      at = e;
    });
    if (at < text.length) p.appendChild(document.createTextNode(text.slice(at)));
    return p;
  }

  // A link only for http(s) URLs: a stored "javascript:" stays text.
  function safeLink(url, text) {
    var u;
    try { u = new URL(url, location.href); } catch (e) { u = null; }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return make('span', 'url', text);
    var a = make('a', 'url', text);
    a.href = u.href;
    a.rel = 'noopener noreferrer';
    return a;
  }

  function docLink(id, text) {
    var a = make('a', null, text);
    a.href = '?' + new URLSearchParams({ doc: id });
    a.addEventListener('click', function (ev) {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
      ev.preventDefault();
      navigate({ doc: id });
    });
    return a;
  }

  function renderHit(h) {
    var li = make('li', 'hit');
    var head = make('div', 'head');
    head.appendChild(make('span', 'rank', h.rank));
    var t = make('h2', 'title');
    t.appendChild(docLink(h.id, h.title || h.id));
    head.appendChild(t);
    head.appendChild(make('span', 'score', 'score ' + Number(h.score).toFixed(3)));
    li.appendChild(head);
    var meta = make('div', 'meta');
    meta.appendChild(make('span', 'id', h.id));
    if (h.date) meta.appendChild(make('span', 'date', h.date));
    if (h.url) meta.appendChild(safeLink(h.url, h.url));
    Object.keys(h.fields || {}).forEach(function (f) {
      var v = h.fields[f];
      meta.appendChild(make('span', 'field', f + ': ' + (Array.isArray(v) ? v.join(', ') : v)));
    });
    li.appendChild(meta);
    if (typeof h.snippet === 'string') li.appendChild(snippet(h.snippet, h.highlights_utf16));
    return li;
  }

  function clearResults() {
    clear(el.results);
    el.total.textContent = '';
    el.took.textContent = '';
    el.notes.hidden = true;
    el.pager.hidden = true;
  }

  function renderResults(r) {
    clearResults();
    var n = r.total, first = r.offset + 1, last = r.offset + r.hits.length;
    el.total.textContent = n === 0 ? 'No matches' :
      (r.hits.length ? first + '–' + last + ' of ' : '') + (r.total_exact === false ? 'at least ' : '') +
      n + (n === 1 ? ' match' : ' matches');
    el.took.textContent = '(' + (r.took_us / 1000).toFixed(1) + ' ms)';
    var note = r.notes || (r.empty_query === 'stopwords' ? 'The query has only stop words.' :
      r.empty_query === 'nowords' ? 'The query has no words to search.' : '');
    el.notes.textContent = note;
    el.notes.hidden = !note;
    r.hits.forEach(function (h) { el.results.appendChild(renderHit(h)); });
    el.prev.disabled = r.offset <= 0;
    el.next.disabled = r.offset + K >= n;
    el.pager.hidden = n <= K && r.offset === 0;
  }

  function search(q, offset) {
    var my = ++seq;
    el.searchView.hidden = false;
    el.doc.hidden = true;
    el.q.value = q;
    document.title = q + ' - nsearch';
    hideError();
    if (!q) { clearResults(); lastSearch = null; document.title = 'nsearch'; return; }
    el.searchView.setAttribute('aria-busy', 'true');
    get('/search?' + new URLSearchParams({ q: q, k: K, offset: offset }))
      .then(function (r) {
        if (my !== seq) return;
        renderResults(r);
        if (lastSearch && lastSearch.q === q && lastSearch.offset !== offset) window.scrollTo(0, 0);
        lastSearch = { q: q, offset: offset };
      }, function (err) {
        if (my !== seq) return;
        clearResults();
        lastSearch = null;
        showError(err, q);
      })
      .then(function () { if (my === seq) el.searchView.removeAttribute('aria-busy'); });
  }

  function member(dl, name, value) {
    dl.appendChild(make('dt', null, name));
    var dd = make('dd', name === 'body' ? 'body' : null);
    if (name === 'url' && typeof value === 'string') dd.appendChild(safeLink(value, value));
    else dd.textContent = typeof value === 'string' ? value : JSON.stringify(value);
    dl.appendChild(dd);
  }

  function showDoc(id) {
    var my = ++seq;
    el.searchView.hidden = true;
    hideError();
    clear(el.doc);
    el.doc.hidden = false;
    var back = make('a', 'back', lastSearch ? '← Back to results' : '← Search');
    back.href = lastSearch ? '?' + new URLSearchParams(lastSearch) : '/';
    back.addEventListener('click', function (ev) {
      if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
      ev.preventDefault();
      if (history.state && history.state.fromSearch) history.back();
      else navigate(lastSearch || {});
    });
    el.doc.appendChild(back);
    get('/doc/' + encodeURIComponent(id)).then(function (d) {
      if (my !== seq) return;
      document.title = (d.title || d.id) + ' - nsearch';
      var h = make('h2', null, d.title || d.id);
      h.tabIndex = -1;
      el.doc.appendChild(h);
      var dl = make('dl');
      Object.keys(d).forEach(function (k) { if (k !== 'title') member(dl, k, d[k]); });
      el.doc.appendChild(dl);
      h.focus();
    }, function (err) {
      if (my === seq) showError(err, null);
    });
  }

  // The URL is the state: ?q=...&offset=N or ?doc=ID.
  function route() {
    var p = new URLSearchParams(location.search);
    if (p.has('doc')) return showDoc(p.get('doc'));
    var off = parseInt(p.get('offset') || '0', 10);
    search(p.get('q') || '', off > 0 ? off : 0);
  }
  function navigate(params) {
    var s = new URLSearchParams(params).toString();
    history.pushState({ fromSearch: !!lastSearch && !el.searchView.hidden }, '',
      s ? '?' + s : location.pathname);
    route();
  }

  el.form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var q = el.q.value.trim();
    navigate(q ? { q: q, offset: 0 } : {});
  });
  el.prev.addEventListener('click', function () {
    if (lastSearch) navigate({ q: lastSearch.q, offset: Math.max(0, lastSearch.offset - K) });
  });
  el.next.addEventListener('click', function () {
    if (lastSearch) navigate({ q: lastSearch.q, offset: lastSearch.offset + K });
  });
  el.syntaxToggle.addEventListener('click', function () {
    var show = el.syntax.hidden;
    el.syntax.hidden = !show;
    el.syntaxToggle.setAttribute('aria-expanded', String(show));
    if (show && !el.syntax.textContent) {
      el.syntax.textContent = 'Loading…';
      get('/syntax', true).then(function (t) { el.syntax.textContent = t; },
        function (err) { el.syntax.textContent = ''; el.syntax.hidden = true; showError(err, null); });
    }
  });
  window.addEventListener('popstate', route);
  route();
  if (!location.search) el.q.focus();
}());
