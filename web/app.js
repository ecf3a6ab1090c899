// app.js: the election-night dashboard. It polls the public API of
// `tally serve` (docs/api-http.md) with If-None-Match, so an unchanged
// result costs a 304, and redraws the national view (hemicycle, seats and
// votes, turnout, progress, statistical checks, constituencies) or a
// constituency or station page (#/c/ID, #/s/ID). No build step, no
// dependencies.
'use strict';

const API = 'api/v1/';
const POLL_MS = 4000;
const FX_MS = 60000;  // the forensic report: at most once a minute, and only when the count changed
const PALETTE = ['#0b4f9c', '#c8102e', '#1b7f3b', '#f2a900', '#6a3d9a', '#00838f', '#e65100',
  '#5d4037', '#ad1457', '#546e7a', '#9e9d24', '#283593', '#00695c', '#8d6e63'];
const cache = {};  // url -> {etag, data}
let results = null, turnout = null, query = '';
let fxAt = -Infinity, fxGen = '';

const $ = (id) => document.getElementById(id);
const fmt = (n) => Number(n).toLocaleString('en-US');
const pct = (num, den) => den ? (100 * num / den).toFixed(2) + ' %' : '–';
const esc = (s) => String(s == null ? '' : s).replace(/[&<>"']/g,
  (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));

// GET with the ETag of the last answer; returns [data, changed]
async function get(path) {
  const c = cache[path];
  const headers = c ? {'If-None-Match': c.etag} : {};
  const r = await fetch(API + path, {headers, cache: 'no-store'});
  if (r.status === 304 && c) return [c.data, false];
  if (!r.ok) throw Object.assign(new Error(path + ': HTTP ' + r.status), {status: r.status});
  const data = await r.json();
  cache[path] = {etag: r.headers.get('ETag') || '', data};
  return [data, true];
}

function setNum(id, v, text) {
  const el = $(id);
  if (!el) return;
  el.dataset.value = String(v);
  el.textContent = text != null ? text : fmt(v);
}

function partyColor(p, i) {
  return p.color || (p.kind === 'independents' ? '#9aa3b2' : PALETTE[i % PALETTE.length]);
}

// seats arranged on concentric half circles, filled from the left
function hemicycle(svg, groups, total) {
  const rows = total < 16 ? 1 : Math.max(2, Math.round(Math.sqrt(total / 3.2)));
  const r0 = rows === 1 ? 0.75 : 0.42, R = rows === 1 ? 0.75 : 1;
  const radii = [];
  for (let i = 0; i < rows; i++) radii.push(rows === 1 ? r0 : r0 + (R - r0) * i / (rows - 1));
  const sum = radii.reduce((a, b) => a + b, 0);
  const per = radii.map((r) => Math.max(1, Math.round(total * r / sum)));
  let diff = total - per.reduce((a, b) => a + b, 0);
  for (let i = rows - 1; diff !== 0; i = (i + rows - 1) % rows) { per[i] += Math.sign(diff); diff -= Math.sign(diff); }
  const pos = [];
  per.forEach((n, i) => {
    for (let j = 0; j < n; j++) {
      const a = n === 1 ? Math.PI / 2 : Math.PI * (1 - j / (n - 1));
      pos.push({a, x: radii[i] * Math.cos(a), y: -radii[i] * Math.sin(a)});
    }
  });
  pos.sort((p, q) => q.a - p.a);
  const dot = rows === 1 ? Math.min(0.2, 0.42 * Math.PI * R / Math.max(per[0] - 1, 1))
    : Math.min(0.42 * (R - r0) / (rows - 1), 0.42 * Math.PI * R / per[rows - 1]);
  const colors = [];
  groups.forEach((g) => { for (let k = 0; k < g.n; k++) colors.push(g); });
  const ns = 'http://www.w3.org/2000/svg';
  svg.textContent = '';
  pos.forEach((p, k) => {
    const c = document.createElementNS(ns, 'circle');
    c.setAttribute('cx', p.x.toFixed(4));
    c.setAttribute('cy', p.y.toFixed(4));
    c.setAttribute('r', dot.toFixed(4));
    const g = colors[k];
    c.setAttribute('fill', g ? g.color : '#dfe4ec');
    const t = document.createElementNS(ns, 'title');
    t.textContent = g ? g.label : 'not yet decided';
    c.appendChild(t);
    svg.appendChild(c);
  });
  const txt = document.createElementNS(ns, 'text');
  txt.setAttribute('x', '0'); txt.setAttribute('y', '-0.03');
  txt.setAttribute('text-anchor', 'middle'); txt.setAttribute('font-size', '0.1');
  txt.setAttribute('font-weight', '700'); txt.setAttribute('fill', '#14213d');
  txt.textContent = colors.length + ' / ' + total;
  svg.appendChild(txt);
}

function outcomeBadge(o) {
  const cls = o === 'elected' ? 'elected' : o === 'failed' ? 'failed' : o === 'invalid' ? 'invalid' : '';
  const label = o === 'incomplete' ? 'counting' : o;
  return '<span class="badge ' + cls + '">' + esc(label) + '</span>';
}

function renderNational() {
  const r = results;
  setNum('reported', r.progress.reported);
  setNum('stations-total', r.progress.stations);
  $('reported-pct').textContent = pct(r.progress.reported, r.progress.stations) + ' of stations';
  $('reported-bar').style.width = (r.progress.stations ? 100 * r.progress.reported / r.progress.stations : 0) + '%';
  setNum('turnout-pct', r.turnout.permyriad, (r.turnout.permyriad / 100).toFixed(2) + ' %');
  setNum('ballots-cast', r.turnout.ballots_cast);
  setNum('valid-votes', r.valid);
  setNum('annulled', r.progress.annulled);
  setNum('seats-filled', r.seats_filled);
  $('seats-total').textContent = fmt(r.election.seats);
  const o = r.outcomes;
  $('outcomes').textContent = [o.elected + ' elected', o.failed + ' failed', o.invalid + ' invalid',
    o.incomplete + ' counting'].join(' · ');
  const groups = [];
  const rows = r.parties.map((p, i) => {
    const color = partyColor(p, i);
    if (p.seats) groups.push({n: p.seats, color, label: p.name + ': ' + p.seats});
    return '<tr data-party="' + esc(p.id || p.kind) + '" data-seats="' + p.seats + '" data-votes="' + p.votes + '">' +
      '<td><i class="sw" data-color="' + esc(color) + '"></i>' + esc(p.name) +
      (p.abbrev && p.abbrev !== p.name ? ' <span class="sub">' + esc(p.abbrev) + '</span>' : '') + '</td>' +
      '<td class="num"><b>' + fmt(p.seats) + '</b></td><td class="num">' + fmt(p.votes) + '</td>' +
      '<td class="num">' + pct(p.votes, r.valid) + '</td></tr>';
  });
  $('parties').tBodies[0].innerHTML = rows.join('');
  document.querySelectorAll('[data-color]').forEach((el) => { el.style.background = el.dataset.color; });
  hemicycle($('hemicycle'), groups, r.election.seats);
  $('legend').innerHTML = groups.map((g) => '<span><i data-color="' + esc(g.color) + '"></i>' + esc(g.label) + '</span>').join('');
  document.querySelectorAll('#legend [data-color]').forEach((el) => { el.style.background = el.dataset.color; });
  renderConstituencies();
}

function leader(c) {
  const cand = c.candidates && c.candidates[0];
  if (!cand || !cand.votes) return '<span class="sub">no votes yet</span>';
  const won = c.elected && c.elected.length;
  return esc(cand.name) + ' <span class="sub">' + esc(cand.affiliation) + ' · ' + fmt(cand.votes) +
    (won ? '' : ' (leading)') + '</span>';
}

function renderConstituencies() {
  if (!results) return;
  const q = query.trim().toLowerCase();
  const rows = results.constituencies.filter((c) => !q ||
    (c.id + ' ' + c.name + ' ' + c.candidates.map((k) => k.name + ' ' + k.affiliation).join(' ')).toLowerCase().includes(q))
    .map((c) => '<tr data-constituency="' + esc(c.id) + '" data-outcome="' + esc(c.outcome) + '">' +
      '<td><a href="#/c/' + encodeURIComponent(c.id) + '">' + esc(c.name) + '</a> <span class="sub">' + esc(c.id) + '</span></td>' +
      '<td>' + outcomeBadge(c.outcome) + '</td><td>' + leader(c) + '</td>' +
      '<td class="num hide-s">' + fmt(c.reported) + ' / ' + fmt(c.stations) + '</td></tr>');
  $('constituencies').tBodies[0].innerHTML = rows.join('') ||
    '<tr><td colspan="4" class="empty">No constituency matches “' + esc(query) + '”.</td></tr>';
}

function renderTurnout() {
  const el = $('turnout-chart');
  if (!turnout || !turnout.reports.length) { el.innerHTML = '<div class="empty">No turnout reports yet.</div>'; return; }
  const max = Math.max(...turnout.reports.map((t) => t.permyriad), 1);
  el.innerHTML = turnout.reports.map((t) => '<div class="col" data-time="' + esc(t.time) + '" data-voters="' + t.voters + '">' +
    '<div class="v">' + (t.permyriad / 100).toFixed(1) + ' %</div><div class="b" data-h="' + (100 * t.permyriad / max) + '"></div>' +
    '<div class="t">' + esc(t.time) + '</div></div>').join('');
  el.querySelectorAll('[data-h]').forEach((b) => { b.style.height = 'calc(' + b.dataset.h + '% - 40px)'; });
}

async function renderConstituency(id) {
  const [c] = await get('results/constituencies/' + encodeURIComponent(id));
  const max = Math.max(...c.candidates.map((k) => k.votes), 1);
  const st = c.station_results.map((s) => '<tr><td><a href="#/s/' + encodeURIComponent(s.id) + '">' + esc(s.id) + '</a></td>' +
    '<td>' + (s.annulled ? '<span class="badge invalid">annulled</span>' : s.reported ? '<span class="badge elected">reported</span>' : '<span class="badge">waiting</span>') + '</td>' +
    '<td class="num">' + fmt(s.registered) + '</td></tr>').join('');
  $('view-detail').innerHTML = '<div class="crumbs"><a href="#/">National results</a> ›</div>' +
    '<h1>' + esc(c.name) + ' <span class="sub">' + esc(c.id) + '</span> ' + outcomeBadge(c.outcome) + '</h1>' +
    (c.note ? '<p class="sub">' + esc(c.note) + '</p>' : '') +
    '<div class="facts"><div class="fact"><span>Reported</span><b>' + fmt(c.reported) + ' / ' + fmt(c.stations) + '</b></div>' +
    '<div class="fact"><span>Turnout</span><b>' + pct(c.ballots_cast, c.registered_lines) + '</b></div>' +
    '<div class="fact"><span>Valid votes</span><b id="c-valid" data-value="' + c.valid + '">' + fmt(c.valid) + '</b></div>' +
    '<div class="fact"><span>Seats</span><b>' + fmt(c.magnitude) + '</b></div></div>' +
    '<section class="card"><h2>Candidates</h2><table class="tbl"><thead><tr><th>Candidate</th><th class="num">Votes</th><th class="num">%</th></tr></thead><tbody>' +
    c.candidates.map((k) => '<tr><td>' + esc(k.name) + (k.seats ? ' <span class="badge elected">elected</span>' : '') +
      '<div class="sub">' + esc(k.affiliation) + '</div><div class="vbar"><div data-w="' + (100 * k.votes / max) + '"></div></div></td>' +
      '<td class="num">' + fmt(k.votes) + '</td><td class="num">' + pct(k.votes, c.valid) + '</td></tr>').join('') +
    '</tbody></table></section>' +
    '<section class="card"><h2>Polling stations</h2><table class="tbl"><thead><tr><th>Station</th><th>Status</th><th class="num">Registered</th></tr></thead><tbody>' +
    st + '</tbody></table></section>';
  document.querySelectorAll('.vbar [data-w]').forEach((b) => { b.style.width = b.dataset.w + '%'; b.style.background = '#0b4f9c'; });
}

async function renderStation(id) {
  const [s] = await get('results/stations/' + encodeURIComponent(id));
  const status = s.annulled ? '<span class="badge invalid">annulled</span>' : s.reported ?
    '<span class="badge elected">reported, version ' + s.version + '</span>' : '<span class="badge">waiting for the protocol</span>';
  $('view-detail').innerHTML = '<div class="crumbs"><a href="#/">National results</a> › <a href="#/c/' +
    encodeURIComponent(s.constituency) + '">' + esc(s.constituency_name) + '</a> ›</div>' +
    '<h1>' + esc(s.name) + ' <span class="sub">' + esc(s.station) + '</span> ' + status + '</h1>' +
    '<div class="facts"><div class="fact"><span>Registered voters</span><b>' + fmt(s.registered) + '</b></div>' +
    '<div class="fact"><span>Type</span><b>' + esc(s.type) + '</b></div>' +
    (s.area ? '<div class="fact"><span>Area</span><b>' + esc(s.area) + '</b></div>' : '') + '</div>' +
    '<section class="card"><h2>Checks</h2>' + (s.checks.length ? s.checks.map((c) =>
      '<div class="check ' + esc(c.severity) + '">' + esc(c.text) + '</div>').join('') :
      '<div class="empty">' + (s.reported ? 'Every control relation holds.' : 'No protocol yet.') + '</div>') + '</section>' +
    '<div class="grid2"><section class="card"><h2>Protocol</h2>' + (s.lines.length ? '<table class="tbl"><tbody>' +
      s.lines.map((l) => '<tr><td>' + esc(l.label) + '</td><td class="num">' + fmt(l.value) + '</td></tr>').join('') +
      '</tbody></table>' : '<div class="empty">No accepted protocol yet.</div>') + '</section>' +
    '<section class="card"><h2>Votes</h2>' + (s.candidates.length ? '<table class="tbl"><tbody>' +
      s.candidates.map((k) => '<tr><td>' + esc(k.name) + '<div class="sub">' + esc(k.affiliation) + '</div></td><td class="num">' + fmt(k.votes) + '</td></tr>').join('') +
      '</tbody></table>' : '<div class="empty">No votes counted yet.</div>') + '</section></div>' +
    '<section class="card"><h2>History</h2>' + (s.history.length ? '<table class="tbl"><thead><tr><th>Time (UTC)</th><th>Entry</th><th>Reason</th></tr></thead><tbody>' +
      s.history.map((h) => '<tr><td>' + esc(h.created) + '</td><td>' + esc(h.state) + (h.version ? ' (version ' + h.version + ')' : '') +
        '</td><td>' + esc(h.reason) + '</td></tr>').join('') + '</tbody></table>' : '<div class="empty">Nothing entered yet.</div>') + '</section>';
}

// the statistical checks (GET /forensics, docs/methods-forensics.md)
function fact(label, value, note, raw, flag) {
  return '<div class="fact' + (flag ? ' flag' : '') + '" data-fx="' + esc(label) + '" data-value="' + esc(raw) + '"><span>' +
    esc(label) + '</span><b>' + esc(value) + '</b><small>' + esc(note) + '</small></div>';
}

function renderForensics(fx, gen) {
  const parties = (results && results.parties) || [];
  const lead = parties.find((p) => p.id === fx.leader);
  const name = lead ? lead.name : fx.leader;
  const fp = fx.fingerprint, it = fx.integer.either, sp = fx.shpilkin, k = fx.klimek;
  // which tests flag: the report's own alarm rules (its "summary")
  const flags = {};
  (fx.summary || []).forEach((v) => { flags[v.test] = v.flags; });
  const nflag = (fx.summary || []).filter((v) => v.flags).length;
  const ntests = (fx.summary || []).filter((v) => !v.descriptive).length;
  $('fx-summary').textContent = nflag + ' of ' + ntests + ' tests flag the counted protocols' +
    (nflag ? ': ' + fx.summary.filter((v) => v.flags).map((v) => v.test.replace('_', ' ')).join(', ') + '.' : '.');
  $('fx-summary').dataset.flags = String(nflag);
  const facts = [
    fact('Stations tested', fmt(fx.stations), 'leader: ' + name, fx.stations),
    fact('Turnout and leader ≥ 95 %', fmt(fp.corner), (100 * fp.corner_share).toFixed(2) + ' % of stations', fp.corner,
      flags.corner),
    fact('Whole-number percentages', (it.excess >= 0 ? '+' : '') + it.excess.toFixed(0),
      'excess stations, z ' + it.z.toFixed(1), it.z.toFixed(2), flags.integer),
    fact('Shpilkin', sp.applicable ? fmt(Math.round(sp.anomalous)) : 'n/a',
      sp.applicable ? 'anomalous votes' : 'not applicable', sp.applicable ? Math.round(sp.anomalous) : '', flags.shpilkin),
    fact('Klimek', k.fitted ? 'f_e ' + k.fe.toFixed(3) : 'not fitted',
      k.fitted ? 'extreme; incremental f_i ' + k.fi.toFixed(2) : k.reason, k.fitted ? k.fe : '', flags.klimek),
    fact('Stations flagged', fmt(fx.flagged), fmt(fx.integer.both) + ' with whole-number turnout and share (' +
      fx.integer.both_expected.toFixed(0) + ' expected by chance, at most ' + fmt(fx.integer.both_bound) + '); ' +
      fmt(fp.corner) + ' in the corner', fx.flagged, fx.integer.both > fx.integer.both_bound)];
  $('fx-facts').innerHTML = facts.join('');
  const v = encodeURIComponent(gen.replace(/"/g, ''));
  const fig = (plot, alt, cap) => '<figure><img src="' + API + 'forensics/' + plot + '.svg?g=' + v + '" alt="' + esc(alt) +
    '" data-plot="' + plot + '"><figcaption>' + esc(cap) + '</figcaption></figure>';
  $('fx-plots').innerHTML =
    fig('fingerprint', 'Election fingerprint', 'Stations by turnout (across) and leader share (up): a clean election is one cloud; ballot stuffing smears it towards the top right corner.') +
    fig('cumulative', 'Cumulative leader votes', "Share of the leader's votes cast at stations up to each turnout: it levels off above the usual turnout unless ballots are added.");
}

async function tickForensics() {
  const gen = (cache.results && cache.results.etag) || '';
  const now = Date.now();
  if (gen === fxGen || now - fxAt < FX_MS) return;
  fxAt = now;
  try {
    // an unchanged report (the server recomputes it at most every 30 s) is a 304
    const [fx, changed] = await get('forensics');
    if (changed || !$('forensics').dataset.ready) renderForensics(fx, cache.forensics.etag || gen);
    fxGen = gen;
    $('forensics').dataset.ready = '1';
  } catch (e) {
    if (e.status === 409) {  // no protocol counted yet
      $('fx-facts').innerHTML = '<div class="empty">Waiting for the first counted protocols.</div>';
      $('fx-plots').innerHTML = '';
      $('fx-summary').textContent = '';
      fxGen = gen;
    } else {
      fxAt = -Infinity;  // try again at the next tick
    }
  }
}

function route() {
  const h = location.hash.replace(/^#\/?/, '');
  const m = h.match(/^([cs])\/(.+)$/);
  $('view-national').hidden = !!m;
  $('view-detail').hidden = !m;
  return m ? {kind: m[1], id: decodeURIComponent(m[2])} : null;
}

async function tick() {
  const live = $('live'), text = $('live-text');
  try {
    const [r, changed] = await get('results');
    const [t, tchanged] = await get('turnout');
    results = r; turnout = t;
    document.title = r.election.name + ' — results';
    $('election-name').textContent = r.election.name;
    $('body-name').textContent = r.election.body || 'Election commission';
    const view = route();
    if (!view) {
      if (changed || !document.body.dataset.ready) renderNational();
      if (tchanged || !document.body.dataset.ready) renderTurnout();
      await tickForensics();
    } else if (view.kind === 'c') {
      await renderConstituency(view.id);
    } else {
      await renderStation(view.id);
    }
    document.body.dataset.ready = '1';
    document.body.dataset.generation = (cache.results && cache.results.etag) || '';
    live.classList.remove('stale');
    text.textContent = 'live · updated ' + new Date().toLocaleTimeString('en-GB');
  } catch (e) {
    live.classList.add('stale');
    text.textContent = 'reconnecting…';
  }
}

window.addEventListener('hashchange', () => { document.body.dataset.ready = ''; window.scrollTo(0, 0); tick(); });
window.addEventListener('DOMContentLoaded', () => {
  $('search').addEventListener('input', (ev) => { query = ev.target.value; renderConstituencies(); });
  tick();
  setInterval(tick, POLL_MS);
});
