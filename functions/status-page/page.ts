/**
 * The status page: one HTML document with its style and script inline, no build step. The script reads the API
 * (`/v1/pairs`, `/v1/operations`, `/v1/decisions`) with a read key the person types in, kept in the tab's
 * sessionStorage and sent as a bearer token: no cookie, so no cross-site request can act as the person. Every
 * value is written as text (textContent), never as markup, and the CSP allows only this script and style.
 *
 * The script is plain ES2017 in a raw string: no template literals in it, so it needs no escaping here.
 */

export const STYLE = `
:root { --ink:#1d232b; --muted:#5c6773; --line:#d9dee4; --bg:#f5f7f9; --card:#fff; --ok:#2f7d4f; --run:#1f6fb2;
  --wait:#8a6d1d; --bad:#b3261e; --risk:#7a1fa2; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); }
header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #20262e; color: #fff; }
header h1 { font-size: 17px; margin: 0; letter-spacing: .02em; }
header .spacer { flex: 1; }
header button { background: transparent; color: #fff; border: 1px solid #69727d; border-radius: 4px; padding: 3px 10px; cursor: pointer; }
#updated { color: #c3cad2; font-size: 12px; }
main { padding: 16px 20px 40px; max-width: 1400px; margin: 0 auto; }
h2 { font-size: 15px; margin: 22px 0 8px; }
.banner { border-radius: 6px; padding: 10px 14px; margin: 8px 0; border: 1px solid var(--line); background: var(--card); }
.banner.engaged { border-color: var(--bad); background: #fbeceb; color: var(--bad); font-weight: 600; }
.banner.error { border-color: var(--wait); background: #fdf6e3; color: #6b5414; }
#signin { max-width: 420px; margin: 60px auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 22px; }
#signin label { display: block; font-weight: 600; margin-bottom: 6px; }
#signin input { width: 100%; padding: 8px; font: inherit; border: 1px solid var(--line); border-radius: 4px; }
#signin button { margin-top: 12px; padding: 7px 16px; font: inherit; border: 0; border-radius: 4px; background: var(--run); color: #fff; cursor: pointer; }
#signin-message { color: var(--bad); margin-top: 10px; min-height: 1.4em; }
.hint { color: var(--muted); font-size: 12px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--ok); border-radius: 6px; padding: 10px 12px; }
.card h3 { margin: 0; font-size: 15px; display: flex; justify-content: space-between; gap: 8px; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 8px 0 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; overflow-wrap: anywhere; }
.card ul { margin: 6px 0 0; padding-left: 18px; color: var(--muted); }
.pill { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; color: #fff; background: var(--ok); white-space: nowrap; }
.h-at-risk { border-left-color: var(--risk); } .pill.h-at-risk { background: var(--risk); }
.h-waiting-for-person { border-left-color: var(--wait); } .pill.h-waiting-for-person { background: var(--wait); }
.h-operating { border-left-color: var(--run); } .pill.h-operating { background: var(--run); }
.h-alert-held { border-left-color: var(--wait); } .pill.h-alert-held { background: var(--wait); }
.h-cooldown { border-left-color: var(--wait); } .pill.h-cooldown { background: var(--wait); }
.h-unprotected { border-left-color: var(--bad); } .pill.h-unprotected { background: var(--bad); }
.h-not-ready { border-left-color: var(--wait); } .pill.h-not-ready { background: var(--wait); }
.h-last-operation-failed { border-left-color: var(--bad); } .pill.h-last-operation-failed { background: var(--bad); }
.h-unknown { border-left-color: var(--bad); } .pill.h-unknown { background: #5c6773; }
.h-alert-open { border-left-color: var(--wait); } .pill.h-alert-open { background: var(--wait); }
#updated.stale { color: #ffb4a8; font-weight: 600; }
.h-quiet { border-left-color: var(--ok); } .pill.h-quiet { background: var(--ok); }
.operation { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin-bottom: 10px; }
.operation h3 { margin: 0 0 6px; font-size: 14px; }
.bar { display: flex; height: 12px; border-radius: 6px; overflow: hidden; background: #e7ebef; margin: 6px 0; }
.bar span { display: block; height: 100%; }
.bar .done { background: var(--ok); } .bar .running { background: var(--run); } .bar .failed { background: var(--bad); }
svg.dag { display: block; max-width: 100%; margin-top: 6px; }
svg.dag rect { stroke: #fff; stroke-width: 1; }
svg.dag text { font-size: 11px; fill: #fff; }
svg.dag path { fill: none; stroke: #9aa5b1; stroke-width: 1.2; }
.s-succeeded, .s-skipped { fill: var(--ok); } .s-running { fill: var(--run); } .s-pending { fill: #8894a0; }
.s-failed, .s-cancelled { fill: var(--bad); }
ol.steps { margin: 6px 0 0; padding-left: 22px; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.reason { max-width: 640px; overflow-wrap: anywhere; }
.empty { color: var(--muted); font-style: italic; }
[hidden] { display: none !important; }
`;

export const SCRIPT = String.raw`
(function () {
  'use strict';
  var KEY = 'switchyard.readKey';
  var REFRESH_MS = 5000;
  // A request that has not answered by then is a failure: the page says so rather than wait for ever.
  var REQUEST_TIMEOUT_MS = 10000;
  var MAX_BACKOFF_MS = 60000;
  var timer = null;
  var lastGood = null;
  var failures = 0;
  // Bumped at each sign-in and sign-out: an answer to an older one is dropped.
  var generation = 0;

  function byId(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (name) {
      if (name === 'text') node.textContent = props[name];
      else if (name === 'className') node.className = props[name];
      else node.setAttribute(name, props[name]);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svgEl(tag, attributes) {
    var node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }

  function when(iso) { return iso ? iso.replace('T', ' ').slice(0, 19) + ' UTC' : ''; }

  function api(path) {
    return fetch(path, {
      headers: { authorization: 'Bearer ' + sessionStorage.getItem(KEY), accept: 'application/json' },
      cache: 'no-store',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }).then(function (response) {
      if (response.ok) return response.json();
      return response.json().catch(function () { return {}; }).then(function (problem) {
        var error = new Error(problem.detail || problem.title || 'HTTP ' + response.status);
        error.status = response.status;
        throw error;
      });
    });
  }

  function showSignIn(message) {
    clearTimeout(timer);
    generation += 1;
    lastGood = null;
    failures = 0;
    byId('signin').hidden = false;
    byId('board').hidden = true;
    byId('problem').hidden = true;
    byId('signout').hidden = true;
    byId('signin-message').textContent = message || '';
    byId('key').value = '';
    byId('key').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    showSignIn(message);
  }

  function renderBrake(brake) {
    var box = byId('brake');
    box.className = 'banner' + (brake.engaged ? ' engaged' : '');
    var count = brake.failoversThisHour.count + ' of ' + brake.failoversThisHour.limit +
      ' automatic failovers allowed this hour used';
    box.textContent = brake.engaged
      ? 'Brake engaged' + (brake.changedBy ? ' by ' + brake.changedBy : '') +
        (brake.changedAt ? ' at ' + when(brake.changedAt) : '') + ': ' + (brake.reason || 'no reason given') +
        '. No pair fails over on its own until it is released. (' + count + '.)'
      : 'Brake released: automatic failover is armed where a pair allows it. ' + count + '.';
  }

  function row(term, value) {
    return [el('dt', { text: term }), el('dd', {}, [value])];
  }

  function pairCard(pair) {
    var status = pair.health.status;
    var facts = [];
    facts.push.apply(facts, row('Provider', pair.providerName));
    facts.push.apply(facts, row('Failover', pair.failover.mode + ', hold-off ' + pair.failover.holdOffSeconds +
      ' s, fencing ' + pair.failover.fencing));
    // The members by their roles now: as recorded after a promotion or switchover, or as the config names them.
    var whose = pair.roles.source === 'recorded' ? ' (since ' + when(pair.roles.since) + ')' : ' (config)';
    facts.push.apply(facts, row('Primary' + whose, pair.roles.primary));
    facts.push.apply(facts, row('Standby' + whose, pair.roles.standby || 'none configured'));
    facts.push.apply(facts, row('Cooldown', pair.cooldown
      ? 'until ' + when(pair.cooldown.until) + '; ' + pair.cooldown.acknowledge.chat + ' ends it (' +
        (pair.cooldown.acknowledge.people.join(', ') || 'nobody has the approve scope') + ')'
      : 'none'));
    if (pair.protection)
      facts.push.apply(facts, row('Protection', pair.protection.state +
        (pair.protection.reason ? ' (' + pair.protection.reason + ')' : '') + ' since ' + when(pair.protection.since)));
    if (pair.readiness)
      facts.push.apply(facts, row('Readiness', pair.readiness.state + ', checked ' + when(pair.readiness.at)));
    if (pair.atRisk)
      facts.push.apply(facts, row('Split brain', pair.atRisk.member + ' not fenced since ' + when(pair.atRisk.since)));
    if (pair.claimedBy && !pair.heldBy)
      facts.push.apply(facts, row('Claimed by', pair.claimedBy + ' (not recorded yet)'));
    if (pair.heldBy)
      facts.push.apply(facts, row('Running', pair.heldBy.kind + ' ' + pair.heldBy.id + ', ' + pair.heldBy.state +
        ', ' + pair.heldBy.progress));
    else if (pair.lastOperation)
      facts.push.apply(facts, row('Last operation', pair.lastOperation.kind + ', ' + pair.lastOperation.state +
        ' at ' + when(pair.lastOperation.updatedAt)));
    if (pair.latestDecision)
      facts.push.apply(facts, row('Last alert', pair.latestDecision.alert + ': ' + pair.latestDecision.outcome));
    return el('article', { className: 'card h-' + status, 'data-pair': pair.name }, [
      el('h3', {}, [el('span', { text: pair.name }), el('span', { className: 'pill h-' + status, text: status })]),
      pair.description ? el('div', { className: 'hint', text: pair.description }) : null,
      el('dl', {}, facts),
      el('ul', {}, pair.health.reasons.map(function (reason) { return el('li', { text: reason }); })),
    ]);
  }

  function progressBar(operation) {
    var steps = operation.steps;
    var total = steps.length || 1;
    var counts = { done: 0, running: 0, failed: 0 };
    steps.forEach(function (step) {
      if (step.status === 'succeeded' || step.status === 'skipped') counts.done += 1;
      else if (step.status === 'running') counts.running += 1;
      else if (step.status === 'failed' || step.status === 'cancelled') counts.failed += 1;
    });
    var bar = el('div', {
      className: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(steps.length),
      'aria-valuenow': String(counts.done), 'aria-label': operation.kind + ' progress',
    });
    ['done', 'running', 'failed'].forEach(function (part) {
      var span = el('span', { className: part });
      span.style.width = (100 * counts[part] / total) + '%';
      bar.appendChild(span);
    });
    return bar;
  }

  // Steps laid out by depth: a step sits one row below its deepest upstream; arrows run upstream to downstream.
  // Ids come from the provider, so they key Maps, never plain objects; a cycle is cut where it closes.
  function dag(steps) {
    var byId = new Map();
    steps.forEach(function (step) { byId.set(step.id, step); });
    var depth = new Map();
    function depthOf(step, trail) {
      if (depth.has(step.id)) return depth.get(step.id);
      if (trail.has(step.id)) return 0;
      trail.add(step.id);
      var deepest = -1;
      step.upstreams.forEach(function (id) {
        if (byId.has(id) && id !== step.id) deepest = Math.max(deepest, depthOf(byId.get(id), trail));
      });
      depth.set(step.id, deepest + 1);
      return deepest + 1;
    }
    var rows = [];
    steps.forEach(function (step) {
      var d = depthOf(step, new Set());
      (rows[d] = rows[d] || []).push(step);
    });
    rows = rows.filter(Boolean);
    var W = 300, H = 24, GX = 16, GY = 14, place = new Map();
    var columns = Math.max.apply(null, rows.map(function (r) { return r.length; }));
    rows.forEach(function (row, r) {
      row.forEach(function (step, c) { place.set(step.id, { x: c * (W + GX), y: r * (H + GY) }); });
    });
    var width = columns * (W + GX) - GX, height = rows.length * (H + GY) - GY;
    var svg = svgEl('svg', {
      class: 'dag', viewBox: '0 0 ' + width + ' ' + height, width: String(width), height: String(height),
      role: 'img', 'aria-label': 'provider subtasks and their order',
    });
    steps.forEach(function (step) {
      step.upstreams.forEach(function (id) {
        var from = place.get(id), to = place.get(step.id);
        if (!from || !to || id === step.id) return;
        var x1 = from.x + W / 2, y1 = from.y + H, x2 = to.x + W / 2, y2 = to.y;
        svg.appendChild(svgEl('path', { d: 'M' + x1 + ' ' + y1 + ' C' + x1 + ' ' + (y1 + 8) + ' ' + x2 + ' ' +
          (y2 - 8) + ' ' + x2 + ' ' + y2 }));
      });
    });
    steps.forEach(function (step) {
      var at = place.get(step.id);
      var group = svgEl('g', { 'data-step': step.id, 'data-status': step.status });
      var title = svgEl('title');
      title.textContent = step.name + ': ' + step.status;
      group.appendChild(title);
      group.appendChild(svgEl('rect', { x: at.x, y: at.y, width: W, height: H, rx: 4, class: 's-' + step.status }));
      var label = svgEl('text', { x: at.x + 8, y: at.y + 16 });
      label.textContent = step.name.length > 46 ? step.name.slice(0, 45) + '\u2026' : step.name;
      group.appendChild(label);
      svg.appendChild(group);
    });
    return svg;
  }

  function stepList(steps) {
    return el('ol', { className: 'steps' }, steps.map(function (step) {
      return el('li', { text: step.name + ': ' + step.status });
    }));
  }

  // The drawing is a help; a shape it cannot draw falls back to the list, never breaks the board.
  function stepsView(steps) {
    if (steps.length === 0) return null;
    var linked = steps.some(function (step) { return step.upstreams.length > 0; });
    if (!linked) return stepList(steps);
    try {
      return dag(steps);
    } catch (error) {
      return stepList(steps);
    }
  }

  function operationPanel(operation) {
    return el('article', { className: 'operation', 'data-operation': operation.id, 'data-state': operation.state }, [
      el('h3', { text: operation.kind + ' on ' + operation.pair + ': ' + operation.state }),
      el('div', { className: 'hint', text: operation.id + ', asked by ' + operation.requestedBy.principal + ' at ' +
        when(operation.createdAt) }),
      progressBar(operation),
      el('div', { className: 'summary', text: summarize(operation.steps) }),
      stepsView(operation.steps),
    ]);
  }

  function summarize(steps) {
    if (steps.length === 0) return 'no steps reported yet';
    var done = steps.filter(function (s) { return s.status === 'succeeded' || s.status === 'skipped'; }).length;
    var running = steps.filter(function (s) { return s.status === 'running'; }).map(function (s) { return s.name; });
    return done + '/' + steps.length + ' done' + (running.length ? ', running: ' + running.join(', ') : '');
  }

  function decisionRow(decision) {
    return el('tr', { 'data-decision': decision.id }, [
      el('td', { text: when(decision.updatedAt) }),
      el('td', { text: decision.pair || 'no route' }),
      el('td', { text: decision.alert }),
      el('td', { text: decision.outcome }),
      el('td', { className: 'reason', text: decision.reason }),
      el('td', { text: decision.operationId || '' }),
    ]);
  }

  function replace(id, nodes, emptyText) {
    var box = byId(id);
    box.replaceChildren.apply(box, nodes.length ? nodes : [el('p', { className: 'empty', text: emptyText })]);
  }

  function render(pairs, operations, unrouted) {
    renderBrake(pairs.brake);
    replace('pairs', pairs.items.map(pairCard), 'No pairs are configured.');
    var panels = operations.items.map(operationPanel);
    if (operations.nextCursor)
      panels.push(el('p', { className: 'empty', text: 'Showing the first ' + operations.items.length +
        ' running operations; GET /v1/operations lists the rest.' }));
    replace('operations', panels, 'Nothing is running.');
    var decisions = pairs.items.filter(function (p) { return p.latestDecision; }).map(function (p) {
      var d = p.latestDecision;
      return { id: d.id, pair: p.name, alert: d.alert, outcome: d.outcome, reason: d.reason,
        operationId: d.operationId, updatedAt: d.updatedAt };
    }).concat(unrouted.items.map(function (d) {
      return { id: d.id, pair: null, alert: d.alert.name, outcome: d.outcome, reason: d.reason,
        operationId: d.operationId || null, updatedAt: d.updatedAt };
    })).sort(function (a, b) { return a.updatedAt < b.updatedAt ? 1 : -1; }).slice(0, 20);
    var body = byId('decisions');
    body.replaceChildren.apply(body, decisions.map(decisionRow));
    byId('no-decisions').hidden = decisions.length > 0;
  }

  function showProblem(text) {
    var problem = byId('problem');
    problem.hidden = false;
    problem.textContent = text;
  }

  function markStale() {
    var updated = byId('updated');
    var stale = lastGood !== null && Date.now() - Date.parse(lastGood) > 2 * REFRESH_MS;
    updated.classList.toggle('stale', stale);
    if (lastGood) updated.textContent = (stale ? 'stale: last updated ' : 'updated ') + when(lastGood);
  }

  function refresh() {
    clearTimeout(timer);
    if (!sessionStorage.getItem(KEY)) return showSignIn('');
    var asked = generation;
    Promise.all([api('/v1/pairs'), api('/v1/operations?limit=100'), api('/v1/decisions?limit=10')])
      .then(function (answers) {
        if (asked !== generation) return;
        byId('signin').hidden = true;
        byId('board').hidden = false;
        byId('signout').hidden = false;
        render(answers[0], answers[1], answers[2]);
        lastGood = new Date().toISOString();
        failures = 0;
        byId('problem').hidden = true;
        markStale();
        timer = setTimeout(refresh, REFRESH_MS);
      })
      .catch(function (error) {
        if (asked !== generation) return;
        if (error.status === 401)
          return signOut('That key was not accepted (' + error.message + ') Check it and sign in again.');
        if (error.status === 403)
          return signOut('That key may not read Switchyard: it needs the read scope (' + error.message + ')');
        failures += 1;
        // Throttled or failing: ask less often, up to once a minute.
        var wait = Math.min(MAX_BACKOFF_MS, REFRESH_MS * Math.pow(2, failures - 1));
        var what = error.name === 'TimeoutError' ? 'no answer within ' + REQUEST_TIMEOUT_MS / 1000 + ' s' : error.message;
        showProblem('Could not refresh: ' + what +
          (lastGood ? '. What you see was read at ' + when(lastGood) + '.' : '.') +
          ' Trying again in ' + Math.round(wait / 1000) + ' s.');
        markStale();
        timer = setTimeout(refresh, wait);
      });
  }

  setInterval(markStale, 1000);

  byId('signin-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var key = byId('key').value.trim();
    if (!key) { byId('signin-message').textContent = 'Type a read API key.'; return; }
    sessionStorage.setItem(KEY, key);
    generation += 1;
    byId('signin-message').textContent = '';
    refresh();
  });
  byId('signout').addEventListener('click', function () { signOut('Signed out.'); });
  // Back in view, a signed-in board that is not waiting out a failure is brought up to date at once.
  document.addEventListener('visibilitychange', function () {
    if (document.hidden || byId('board').hidden || failures > 0 || !sessionStorage.getItem(KEY)) return;
    generation += 1;
    refresh();
  });
  refresh();
})();
`;

export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Switchyard status</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>Switchyard</h1>
  <span class="spacer"></span>
  <span id="updated" aria-live="polite"></span>
  <button id="signout" type="button" hidden>Sign out</button>
</header>
<main>
  <section id="signin" hidden>
    <form id="signin-form" autocomplete="off">
      <label for="key">Read API key</label>
      <input id="key" name="key" type="password" spellcheck="false" required>
      <button type="submit">Sign in</button>
      <div id="signin-message" role="alert"></div>
      <p class="hint">The key stays in this tab (sessionStorage) and is sent only to this site's API.</p>
    </form>
  </section>
  <div id="problem" class="banner error" role="alert" hidden></div>
  <div id="board" hidden>
    <div id="brake" class="banner" role="status"></div>
    <h2>Pairs</h2>
    <div id="pairs" class="cards"></div>
    <h2>Running operations</h2>
    <div id="operations"></div>
    <h2>Recent decisions</h2>
    <table>
      <thead><tr><th>When</th><th>Pair</th><th>Alert</th><th>Outcome</th><th>Reason</th><th>Operation</th></tr></thead>
      <tbody id="decisions"></tbody>
    </table>
    <p id="no-decisions" class="empty">No alert has been decided yet.</p>
  </div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
