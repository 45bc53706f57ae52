/* The release table: filter as you type (?q= in the URL sets the first filter) and sort by a column.
   Works from file:// without a server. Rows of other pages come from releases-index.js, loaded on demand. */
(function () {
  "use strict";
  var MAX_SHOWN = 2000;
  var input = document.getElementById("q");
  var count = document.getElementById("count");
  var tables = document.querySelectorAll("table.releases");

  function words(text) { return text.toLowerCase().split(/\s+/).filter(Boolean); }
  function matches(hay, ws) { for (var i = 0; i < ws.length; i++) { if (hay.indexOf(ws[i]) < 0) return false; } return true; }

  function sortKey(td, kind) {
    if (!td) return kind === "num" ? 0 : "";
    if (kind === "num") return parseFloat(td.getAttribute("data-v")) || 0;
    return td.textContent.trim().toLowerCase();
  }

  function makeSortable(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      th.tabIndex = 0;
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortKey(a.cells[col], kind), y = sortKey(b.cells[col], kind);
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) { frag.appendChild(r); });
        body.appendChild(frag);
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  }
  Array.prototype.forEach.call(tables, makeSortable);
  if (!input) return;

  var table = document.getElementById(input.getAttribute("data-table"));
  var body = table.tBodies[0];
  var pageRows = Array.prototype.slice.call(body.rows);
  var pageText = pageRows.map(function (r) { return r.textContent.toLowerCase(); });
  var initialCount = count.textContent;
  var indexUrl = input.getAttribute("data-index");
  var index = null, indexText = null, loading = false;

  function formatParams(n) {
    if (!n) return "";
    var units = [["T", 1e12], ["B", 1e9], ["M", 1e6], ["K", 1e3]];
    for (var i = 0; i < units.length; i++) {
      if (n >= units[i][1] * 0.9995) {
        var v = n / units[i][1];
        return (v >= 99.95 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, "")) + units[i][0];
      }
    }
    return String(n);
  }
  function cell(tr, text, cls, v) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    if (v !== undefined) td.setAttribute("data-v", v);
    if (text && text.nodeType) td.appendChild(text); else td.textContent = text || "";
    tr.appendChild(td);
    return td;
  }
  function link(href, text) { var a = document.createElement("a"); a.href = href; a.textContent = text; return a; }
  function indexRow(r) {
    var lab = index.labs[r[2]], fam = r[3] >= 0 ? index.families[r[3]] : null;
    var tr = document.createElement("tr");
    cell(tr, r[0], "d");
    var model = cell(tr, link(r[9] || index.hub + r[1], r[1]), "m");  // r[9]: a release only on ModelScope
    if (r[8]) { var tag = document.createElement("small"); tag.textContent = r[8]; model.appendChild(document.createTextNode(" ")); model.appendChild(tag); }
    cell(tr, link("labs/" + lab[1] + ".html", lab[0]), "l");
    cell(tr, fam ? link("families/" + fam[1] + ".html", fam[0]) : "", "f");
    cell(tr, formatParams(r[4]), "n", r[4]);
    cell(tr, formatParams(r[5]), "n a", r[5]);
    cell(tr, r[6], r[7]);
    return tr;
  }

  function loadIndex(then) {
    if (index) return then();
    if (loading) return;
    loading = true;
    count.textContent = "loading all releases…";
    var s = document.createElement("script");
    s.src = indexUrl;
    s.onload = function () {
      index = window.RELEASES_INDEX;
      indexText = index.rows.map(function (r) {
        var fam = r[3] >= 0 ? index.families[r[3]][0] : "";
        return [r[0], r[1], index.labs[r[2]][0], fam, formatParams(r[4]), formatParams(r[5]), r[6], r[7], r[8]].join(" ").toLowerCase();
      });
      then();
    };
    s.onerror = function () { loading = false; indexUrl = null; count.textContent = "search limited to this page"; then(); };
    document.head.appendChild(s);
  }

  function apply() {
    var ws = words(input.value);
    if (indexUrl && ws.length) return loadIndex(function () { render(ws); });
    render(ws);
  }
  function render(ws) {
    if (indexUrl && index && ws.length) {
      var frag = document.createDocumentFragment(), found = 0;
      for (var i = 0; i < index.rows.length; i++) {
        if (matches(indexText[i], ws)) { found++; if (found <= MAX_SHOWN) frag.appendChild(indexRow(index.rows[i])); }
      }
      body.textContent = "";
      body.appendChild(frag);
      table.setAttribute("data-mode", "all");
      count.textContent = found + " of " + index.rows.length + " releases match" + (found > MAX_SHOWN ? " (first " + MAX_SHOWN + " shown)" : "");
      return;
    }
    if (table.getAttribute("data-mode") === "all") {
      body.textContent = "";
      pageRows.forEach(function (r) { body.appendChild(r); });
      table.removeAttribute("data-mode");
    }
    var shown = 0;
    pageRows.forEach(function (r, i) {
      var ok = !ws.length || matches(pageText[i], ws);
      r.hidden = !ok;
      if (ok) shown++;
    });
    count.textContent = ws.length ? shown + " of " + pageRows.length + " releases match" : initialCount;
  }

  var timer = null;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  var initial = new URLSearchParams(window.location.search).get("q") || decodeURIComponent((window.location.hash.match(/^#q=(.*)$/) || [])[1] || "");
  if (initial) { input.value = initial; apply(); }
})();
