/* Plan review webapp (issue 15): plain JavaScript, no library, no build step, no network but the
 * webapp's own backend (DSS instances are often offline).
 *
 * Safety rule: everything that comes from data (names, values, comments, messages) reaches the page
 * through textContent or an attribute set with setAttribute, never innerHTML; control characters are
 * shown as escapes (printable), so an object named <img src=x onerror=alert(1)> is only text.
 */
(function () {
  "use strict";

  var ACTIONS = ["create", "update", "replace", "delete"];
  var MIN_SCALE = 0.7;
  var FLOW_KINDS = { dataset: "Dataset", managed_folder: "Folder", recipe: "Recipe", scenario: "Scenario" };
  var state = { session: null, plans: [], detail: null, view: "list", sub: "resources", graph: null };

  // -- small helpers --------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  /** Text with control characters (and bidi overrides) made visible: \u0007 instead of a silent byte. */
  function printable(value) {
    var text = value === null || value === undefined ? "" : String(value);
    return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, function (c) {
      return "\\u" + ("0000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  /** An element: attrs set with setAttribute (on* refused), children appended (strings as text). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var key;
    for (key in attrs || {}) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] === null || attrs[key] === undefined) { continue; }
      if (/^on/i.test(key)) { throw new Error("no event handler attributes"); }
      if (key === "text") { node.textContent = printable(attrs[key]); } else { node.setAttribute(key, String(attrs[key])); }
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    (Array.isArray(children) ? children : children === undefined ? [] : [children]).forEach(function (child) {
      if (child === null || child === undefined || child === false) { return; }
      node.appendChild(typeof child === "object" ? child : document.createTextNode(printable(child)));
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  function svg(tag, attrs) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (var key in attrs || {}) { if (Object.prototype.hasOwnProperty.call(attrs, key)) { node.setAttribute(key, String(attrs[key])); } }
    return node;
  }

  function show(node, visible) { node.hidden = !visible; }

  function message(text, kind) {
    var box = $("dkf-message");
    box.className = "dkf-message dkf-" + (kind || "info");
    box.textContent = printable(text);
    show(box, !!text);
  }

  function value(v) {
    if (v === null || v === undefined) { return "(unset)"; }
    return typeof v === "string" ? v : JSON.stringify(v);
  }

  function badge(action) { return el("span", { "class": "dkf-badge dkf-a-" + String(action).replace(/[^a-z-]/g, ""), text: action }); }

  function countsText(summary) {
    var parts = ACTIONS.filter(function (a) { return summary && summary[a]; }).map(function (a) { return summary[a] + " " + a; });
    return parts.join(", ") || "no changes";
  }

  // -- the backend ----------------------------------------------------------------------------

  function backendUrl(path) {
    var get = window.getWebAppBackendUrl || (window.dataiku && window.dataiku.getWebAppBackendUrl);
    return get ? get(path) : path;
  }

  /** One request to the backend; resolves to the JSON answer, rejects with its one-line error. */
  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRF-Token"] = state.session ? state.session.csrf : "";
    }
    return fetch(backendUrl("/api/" + path), { method: method, headers: headers, credentials: "same-origin",
      body: method === "GET" ? undefined : JSON.stringify(body || {}) }).then(function (answer) {
      return answer.json().catch(function () { return { error: "the backend answered " + answer.status }; })
        .then(function (data) {
          if (!answer.ok) { var error = new Error(errorText(data, answer.status)); error.data = data; throw error; }
          return data;
        });
    });
  }

  /** A refusal as every face of dataiku-framework shows it: "error[CODE]: message" (its code in the
   *  troubleshooting page's catalogue). */
  function errorText(data, status) {
    var text = data.error || ("HTTP " + status);
    return data.code ? "error[" + data.code + "]: " + text : text;
  }

  function failed(error) { message(error.message, "error"); return null; }

  // -- views ----------------------------------------------------------------------------------

  function go(view) {
    state.view = view;
    ["list", "detail", "history", "drift"].forEach(function (name) { show($("dkf-view-" + name), name === view); });
    Array.prototype.forEach.call(document.querySelectorAll(".dkf-tab"), function (tab) {
      if (tab.getAttribute("data-view") === view || (view === "detail" && tab.getAttribute("data-view") === "list")) {
        tab.setAttribute("aria-current", "page");
      } else { tab.removeAttribute("aria-current"); }
    });
    if (view === "list") { loadPlans(); }
    if (view === "history") { loadHistory(); }
    if (view === "drift") { loadDrift(); }
  }

  function loadSession() {
    return api("GET", "session").then(function (session) {
      state.session = session;
      $("dkf-project").textContent = printable("project " + session.project_key);
      $("dkf-who").textContent = printable(session.user + (session.admin ? " (project admin)" : " (read only)"));
      $("dkf-source").textContent = printable(session.source ? "Source: " + session.source : "No source set in the webapp's settings");
      showSourceStatus(session);
    });
  }

  /** Whether a project admin confirmed the webapp's source: "Plan now" and "Check drift now" only then;
   *  otherwise why not, and (admins only) "Confirm source". */
  function showSourceStatus(session) {
    var status = session.source_status || {}, was = status.confirmed, note = $("dkf-source-note");
    var confirmed = was ? "confirmed: " + was.text + " by " + was.by + " at " + was.at : "";
    note.textContent = printable(status.problem ? status.problem + (was ? " (" + confirmed + ")" : "") :
      (was ? "Source " + confirmed : ""));
    note.className = "dkf-source-note" + (status.problem ? " dkf-unconfirmed" : "");
    show(note, !!note.textContent);
    var ready = session.admin && !!session.source && !status.problem;
    show($("dkf-confirm-source"), session.admin && !!status.problem);
    show($("dkf-plan-now"), ready);
    show($("dkf-drift-now"), ready);
  }

  function confirmSource() {
    var button = $("dkf-confirm-source");
    button.disabled = true;
    api("POST", "source/confirm", { source: state.session.source_status.params }).then(function (status) {
      state.session.source_status = status;
      showSourceStatus(state.session);
      message("Source confirmed: " + status.text, "ok");
    }, failed).then(function () { button.disabled = false; });
  }

  // plans list
  function loadPlans() {
    var status = $("dkf-status-filter").value;
    return api("GET", "plans" + (status ? "?status=" + encodeURIComponent(status) : "")).then(function (data) {
      state.plans = data.plans;
      renderPlans();
    }, failed);
  }

  function renderPlans() {
    var body = clear($("dkf-plans").tBodies[0]);
    var rows = document.createDocumentFragment();
    state.plans.forEach(function (plan) {
      var open = el("button", { type: "button", "class": "dkf-link", "data-plan": plan.id, text: plan.id });
      open.addEventListener("click", function () { openPlan(plan.id); });
      rows.appendChild(el("tr", { "data-status": plan.status }, [
        el("td", {}, el("span", { "class": "dkf-status dkf-s-" + String(plan.status).replace(/[^a-z]/g, ""), text: plan.status })),
        el("td", {}, open), el("td", { text: plan.source_text }), el("td", { text: plan.author }),
        el("td", { text: plan.created_at }), el("td", { text: countsText(plan.summary) })]));
    });
    body.appendChild(rows);
    show($("dkf-plans-empty"), !state.plans.length);
  }

  function planNow() {
    var button = $("dkf-plan-now");
    button.disabled = true;
    message("Planning from " + (state.session.source || "the configured source") + "…", "info");
    api("POST", "plan-now", {}).then(function (detail) {
      message("Stored plan " + detail.record.id + (detail.notes && detail.notes.length ? ". " + detail.notes.join(" ") : ""), "ok");
      showDetail(detail, false);
    }, failed).then(function () { button.disabled = false; });
  }

  // plan detail
  function mark(name) { if (window.performance && performance.mark) { performance.mark(name); } }

  /** Open a stored plan; marks dkf-detail-start, -fetched and -shown time it (bench/bench_webapp.py). */
  function openPlan(planId) {
    message("", null);
    mark("dkf-detail-start");
    return api("GET", "plans/" + encodeURIComponent(planId)).then(function (detail) {
      mark("dkf-detail-fetched");
      showDetail(detail, true);
      mark("dkf-detail-shown");
    }, failed);
  }

  function showDetail(detail, check) {
    state.detail = detail;
    var record = detail.record;
    go("detail");
    $("dkf-detail-title").textContent = printable("Plan " + record.id);
    setStatus(record.status);
    $("dkf-detail-meta").textContent = printable("Made by " + record.author + " at " + record.created_at + " from " +
      record.source_text + " · digest " + String(record.digest).slice(0, 19) + "…");
    renderCounts(detail);
    renderEvents(record);
    show($("dkf-result"), false);
    show($("dkf-stale"), false);
    renderActions(record);
    fillFilters(detail.entries);
    renderResources();
    renderSections(detail);
    state.graph = null;
    if (state.sub === "flow") { drawFlow(); }
    if (check && (record.status === "pending" || record.status === "approved")) { window.setTimeout(checkStale, 0); }
    else { $("dkf-check").textContent = ""; }
  }

  function setStatus(status) {
    var node = $("dkf-detail-status");
    node.className = "dkf-status dkf-s-" + String(status).replace(/[^a-z]/g, "");
    node.textContent = printable(status);
  }

  function renderCounts(detail) {
    var box = clear($("dkf-counts"));
    ACTIONS.forEach(function (action) {
      box.appendChild(el("span", { "class": "dkf-count" }, [badge(action), " " + (detail.summary[action] || 0)]));
    });
    box.appendChild(el("span", { "class": "dkf-count", text: (detail.unchanged || 0) + " unchanged" }));
    ["drift", "conflicts"].forEach(function (name) {
      var n = (detail.sections[name] || []).length;
      if (n) { box.appendChild(el("span", { "class": "dkf-count dkf-warn", text: n + " " + name })); }
    });
  }

  function renderEvents(record) {
    var box = clear($("dkf-events"));
    var list = el("ol", { "class": "dkf-timeline" });
    (record.events || []).forEach(function (event) {
      list.appendChild(el("li", {}, [el("strong", { text: event.status }), " by " + event.user + " at " + event.at,
        event.comment ? el("span", { "class": "dkf-quote", text: event.comment }) : null]));
    });
    (record.comments || []).forEach(function (comment) {
      var inEvents = (record.events || []).some(function (e) { return e.comment === comment.text && e.at === comment.at; });
      if (!inEvents) { list.appendChild(el("li", {}, ["comment by " + comment.user + " at " + comment.at, el("span", { "class": "dkf-quote", text: comment.text })])); }
    });
    box.appendChild(list);
  }

  function renderActions(record) {
    var open = record.status === "pending" || record.status === "approved";
    show($("dkf-actions"), !!(state.session && state.session.admin && open));
    $("dkf-apply").textContent = record.status === "approved" ? "Apply" : "Approve and apply";
    $("dkf-apply").disabled = false;
    $("dkf-discard").disabled = false;
  }

  function checkStale() {
    var detail = state.detail;
    var planId = detail.record.id;
    $("dkf-check").textContent = "Checking whether DSS or the source moved…";
    api("POST", "plans/" + encodeURIComponent(planId) + "/check", {}).then(function (answer) {
      if (!state.detail || state.detail.record.id !== planId) { return; }
      $("dkf-check").textContent = answer.stale ? "" : "Fresh: a plan made now is this plan.";
      if (answer.stale) { showStale(answer.moved); }
      setStatus(answer.status);
      detail.record.status = answer.status;
      renderActions(detail.record);
    }, function (error) { $("dkf-check").textContent = printable("Could not check: " + error.message); });
  }

  function showStale(moved) {
    var box = clear($("dkf-stale"));
    box.appendChild(el("strong", { text: "Stale: a plan made now differs. What moved:" }));
    var list = el("ul");
    (moved || []).slice(0, 50).forEach(function (line) { list.appendChild(el("li", { text: line })); });
    box.appendChild(list);
    show(box, true);
  }

  /** Approve and apply: refused at once (digest, rights, approval), or followed as a job: its progress
   *  (resources done of total, the last one) every 400 ms, then its result or its refusal. */
  function applyPlan() {
    var record = state.detail.record;
    $("dkf-apply").disabled = true;
    $("dkf-discard").disabled = true;
    show($("dkf-progress"), true);
    $("dkf-progress-text").textContent = "Approving…";
    message("", null);
    api("POST", "plans/" + encodeURIComponent(record.id) + "/apply", { digest: record.digest, comment: $("dkf-comment").value })
      .then(function (started) {
        state.detail.record = started.record;
        setStatus(started.record.status);
        renderEvents(started.record);
        return follow(started.job);
      }).then(function (answer) {
        showResult(answer);
        state.detail.record = answer.record;
        setStatus(answer.record.status);
        renderEvents(answer.record);
        renderActions(answer.record);
      }, function (error) {
        var data = error.data || {};
        if (data.code === "plan.stale") { showStale(data.moved); setStatus("stale"); show($("dkf-actions"), false); }
        failed(error);
        $("dkf-apply").disabled = false;
        $("dkf-discard").disabled = false;
      }).then(function () { show($("dkf-progress"), false); });
  }

  function follow(jobId) {
    return new Promise(function (resolve, reject) {
      (function poll() {
        api("GET", "jobs/" + encodeURIComponent(jobId)).then(function (job) {
          var p = job.progress || {};
          $("dkf-progress-text").textContent = printable("Applying… " + (p.total ? p.done + " of " + p.total + " · " : "") + (p.message || ""));
          if (!job.done) { window.setTimeout(poll, 400); return; }
          if (job.status === 200) { resolve(job.answer); return; }
          var error = new Error(errorText(job.answer, job.status));
          error.data = job.answer;
          reject(error);
        }, reject);
      })();
    });
  }

  function showResult(answer) {
    var box = clear($("dkf-result"));
    var result = answer.result;
    box.className = "dkf-result " + (result.succeeded ? "dkf-ok" : "dkf-error");
    box.appendChild(el("strong", { text: answer.summary }));
    box.appendChild(el("span", { text: " apply id " + result.apply_id }));
    var list = el("ul");
    (result.resources || []).forEach(function (r) {
      list.appendChild(el("li", {}, [badge(r.operation), " " + r.address + ": " + r.status + (r.error ? " — " + r.error : "")]));
    });
    (result.notes || []).forEach(function (note) { list.appendChild(el("li", { text: note })); });
    box.appendChild(list);
    show(box, true);
  }

  function discardPlan() {
    var record = state.detail.record;
    api("POST", "plans/" + encodeURIComponent(record.id) + "/discard", { comment: $("dkf-comment").value }).then(function (answer) {
      state.detail.record = answer.record;
      setStatus(answer.record.status);
      renderEvents(answer.record);
      renderActions(answer.record);
      message("Discarded plan " + answer.record.id, "ok");
    }, failed);
  }

  // resources, filters, fields, diffs
  function fillFilters(entries) {
    var actions = {}, kinds = {};
    entries.forEach(function (e) { actions[e.action] = 1; kinds[e.kind] = 1; });
    [["dkf-f-action", actions], ["dkf-f-kind", kinds]].forEach(function (pair) {
      var select = $(pair[0]);
      while (select.options.length > 1) { select.remove(1); }
      Object.keys(pair[1]).sort().forEach(function (name) { select.appendChild(el("option", { value: name, text: name })); });
    });
    $("dkf-f-name").value = "";
  }

  function marks(detail) {
    var by = {};
    ["drift", "conflicts"].forEach(function (name) {
      (detail.sections[name] || []).forEach(function (d) { by[d.address] = by[d.address] || {}; by[d.address][name] = true; });
    });
    return by;
  }

  function renderResources() {
    var detail = state.detail;
    var action = $("dkf-f-action").value, kind = $("dkf-f-kind").value, name = $("dkf-f-name").value.toLowerCase();
    var flagged = marks(detail);
    var list = clear($("dkf-resources"));
    var rows = document.createDocumentFragment();
    var shown = 0;
    detail.entries.forEach(function (entry) {
      if ((action && entry.action !== action) || (kind && entry.kind !== kind) ||
          (name && String(entry.name).toLowerCase().indexOf(name) < 0 && String(entry.address).toLowerCase().indexOf(name) < 0)) { return; }
      shown += 1;
      rows.appendChild(resourceRow(entry, flagged[entry.address] || {}));
    });
    list.appendChild(rows);
    $("dkf-f-count").textContent = shown + " of " + detail.entries.length + " changed resources";
    $("dkf-unchanged").textContent = (detail.unchanged || 0) + " unchanged resource(s), not listed.";
  }

  function resourceRow(entry, flags) {
    var details = el("details", { "class": "dkf-resource", "data-address": entry.address });
    details.appendChild(el("summary", {}, [badge(entry.action), el("span", { "class": "dkf-kind", text: entry.kind }),
      el("span", { "class": "dkf-name", text: entry.name }),
      flags.drift ? el("span", { "class": "dkf-mark dkf-drift", text: "drift" }) : null,
      flags.conflicts ? el("span", { "class": "dkf-mark dkf-conflict", text: "conflict" }) : null,
      entry.prevent_destroy ? el("span", { "class": "dkf-mark", text: "prevent_destroy" }) : null,
      el("span", { "class": "dkf-reason", text: entry.reason })]));
    details.addEventListener("toggle", function () {
      if (details.open && !details.getAttribute("data-filled")) { details.setAttribute("data-filled", "1"); details.appendChild(fields(entry)); }
    });
    return el("li", {}, details);
  }

  /** The entry's fields (configuration terms), collapsed until opened: path, before -> after, or a diff. */
  function fields(entry) {
    var box = el("div", { "class": "dkf-fields" });
    if (!(entry.changes || []).length) { box.appendChild(el("p", { "class": "dkf-muted", text: entry.action === "delete" ? "Deleted from DSS." : "No field shown." })); }
    (entry.changes || []).forEach(function (change) {
      var multi = typeof change.before === "string" && change.before.indexOf("\n") >= 0 ||
                  typeof change.after === "string" && change.after.indexOf("\n") >= 0;
      if (multi) { box.appendChild(codeDiff(change)); return; }
      box.appendChild(el("div", { "class": "dkf-field" }, [el("code", { "class": "dkf-path", text: change.path }),
        el("span", { "class": "dkf-before", text: value(change.before) }), el("span", { "class": "dkf-arrow", text: " → " }),
        el("span", { "class": "dkf-after", text: value(change.after) })]));
    });
    return box;
  }

  function codeDiff(change) {
    var before = typeof change.before === "string" ? change.before : (change.before === null || change.before === undefined ? "" : value(change.before));
    var after = typeof change.after === "string" ? change.after : (change.after === null || change.after === undefined ? "" : value(change.after));
    var ops = diffLines(before.split("\n"), after.split("\n"));
    var box = el("div", { "class": "dkf-diff" });
    var toggle = el("button", { type: "button", "class": "dkf-btn dkf-small", "aria-pressed": "false", text: "Side by side" });
    var holder = el("div");
    function draw(side) {
      clear(holder).appendChild(side ? sideBySide(ops) : unified(ops));
      toggle.setAttribute("aria-pressed", side ? "true" : "false");
      toggle.textContent = side ? "Unified" : "Side by side";
    }
    toggle.addEventListener("click", function () { draw(toggle.getAttribute("aria-pressed") !== "true"); });
    box.appendChild(el("div", { "class": "dkf-diff-head" }, [el("code", { "class": "dkf-path", text: change.path }), toggle]));
    box.appendChild(holder);
    draw(false);
    return box;
  }

  /** Line diff by longest common subsequence: [[" "|"-"|"+", text]]; past 4M cells, all out then all in. */
  function diffLines(a, b) {
    var n = a.length, m = b.length, i, j;
    if (n * m > 4000000) {
      return a.map(function (t) { return ["-", t]; }).concat(b.map(function (t) { return ["+", t]; }));
    }
    var table = new Uint32Array((n + 1) * (m + 1));
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        table[i * (m + 1) + j] = a[i] === b[j] ? table[(i + 1) * (m + 1) + j + 1] + 1
          : Math.max(table[(i + 1) * (m + 1) + j], table[i * (m + 1) + j + 1]);
      }
    }
    var out = [];
    i = 0; j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) { out.push([" ", a[i]]); i++; j++; }
      else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) { out.push(["-", a[i]]); i++; }
      else { out.push(["+", b[j]]); j++; }
    }
    for (; i < n; i++) { out.push(["-", a[i]]); }
    for (; j < m; j++) { out.push(["+", b[j]]); }
    return out;
  }

  function unified(ops) {
    var pre = el("pre", { "class": "dkf-unified" });
    ops.forEach(function (op) {
      pre.appendChild(el("span", { "class": op[0] === "+" ? "dkf-add" : op[0] === "-" ? "dkf-del" : "dkf-same", text: op[0] + " " + op[1] + "\n" }));
    });
    return pre;
  }

  function sideBySide(ops) {
    var table = el("table", { "class": "dkf-side" });
    var left = [], right = [];
    function flush() {
      var k;
      for (k = 0; k < Math.max(left.length, right.length); k++) {
        table.appendChild(el("tr", {}, [el("td", { "class": left[k] !== undefined ? "dkf-del" : "dkf-none", text: left[k] !== undefined ? left[k] : "" }),
          el("td", { "class": right[k] !== undefined ? "dkf-add" : "dkf-none", text: right[k] !== undefined ? right[k] : "" })]));
      }
      left = []; right = [];
    }
    ops.forEach(function (op) {
      if (op[0] === "-") { left.push(op[1]); } else if (op[0] === "+") { right.push(op[1]); }
      else { flush(); table.appendChild(el("tr", {}, [el("td", { "class": "dkf-same", text: op[1] }), el("td", { "class": "dkf-same", text: op[1] })])); }
    });
    flush();
    return table;
  }

  function renderSections(detail) {
    var box = clear($("dkf-sections"));
    var titles = { drift: "Drift (changed in DSS outside the configuration)", conflicts: "Conflicts (changed in DSS and in the configuration)",
      not_deleted: "Not deleted", unmanaged: "Unmanaged objects (in DSS, not in the configuration)" };
    Object.keys(titles).forEach(function (name) {
      var items = detail.sections[name] || [];
      if (!items.length) { return; }
      var list = el("ul");
      items.forEach(function (item) {
        var line = item.address + (item.path ? " " + item.path : "") +
          (item.before !== undefined || item.after !== undefined ? ": " + value(item.before) + " → " + value(item.after) : "") +
          (item.reason ? " (" + item.reason + ")" : "");
        list.appendChild(el("li", { text: line }));
      });
      box.appendChild(el("section", { "class": "dkf-section dkf-sec-" + name }, [el("h3", { text: titles[name] + " · " + items.length }), list]));
    });
  }

  function openResource(address) {
    sub("resources");
    $("dkf-f-action").value = ""; $("dkf-f-kind").value = ""; $("dkf-f-name").value = "";
    renderResources();
    var rows = document.querySelectorAll(".dkf-resource");
    for (var k = 0; k < rows.length; k++) {
      if (rows[k].getAttribute("data-address") === address) {
        rows[k].open = true;
        rows[k].dispatchEvent(new Event("toggle"));
        rows[k].scrollIntoView({ block: "center" });
        rows[k].querySelector("summary").focus();
        return;
      }
    }
    message(address + " is unchanged: it is counted, not listed.", "info");
  }

  function sub(name) {
    state.sub = name;
    show($("dkf-sub-resources"), name === "resources");
    show($("dkf-sub-flow"), name === "flow");
    Array.prototype.forEach.call(document.querySelectorAll(".dkf-subtab"), function (tab) {
      if (tab.getAttribute("data-sub") === name) { tab.setAttribute("aria-current", "page"); } else { tab.removeAttribute("aria-current"); }
    });
    if (name === "flow" && !state.graph) { drawFlow(); }
  }

  // -- the flow: a left-to-right layered graph in SVG ----------------------------------------

  /** Layers by longest path from the sources (edges closing a cycle are ignored), then each layer
   *  ordered by the mean position of its predecessors (two sweeps): the DSS flow's left-to-right look. */
  function layout(nodes, edges) {
    var index = {}, preds = {}, succs = {}, indeg = {};
    nodes.forEach(function (n) { index[n.id] = n; preds[n.id] = []; succs[n.id] = []; indeg[n.id] = 0; });
    edges.forEach(function (e) {
      if (index[e[0]] && index[e[1]] && e[0] !== e[1]) { succs[e[0]].push(e[1]); preds[e[1]].push(e[0]); indeg[e[1]] += 1; }
    });
    var layer = {}, queue = nodes.filter(function (n) { return !indeg[n.id]; }).map(function (n) { return n.id; });
    var seen = 0, k;
    nodes.forEach(function (n) { layer[n.id] = 0; });
    while (seen < nodes.length) {
      if (!queue.length) { // a cycle: start again from the least-constrained node left
        var rest = nodes.filter(function (n) { return indeg[n.id] > 0; });
        rest.sort(function (x, y) { return indeg[x.id] - indeg[y.id]; });
        indeg[rest[0].id] = 0; queue.push(rest[0].id);
      }
      var id = queue.shift();
      if (indeg[id] < 0) { continue; }
      indeg[id] = -1; seen += 1;
      succs[id].forEach(function (s) {
        if (indeg[s] < 0) { return; }
        layer[s] = Math.max(layer[s], layer[id] + 1);
        indeg[s] -= 1;
        if (indeg[s] === 0) { queue.push(s); }
      });
    }
    nodes.forEach(function (n) { if (n.kind === "scenario") { layer[n.id] = Math.max(layer[n.id], 1); } });
    var layers = [];
    nodes.forEach(function (n) { (layers[layer[n.id]] = layers[layer[n.id]] || []).push(n.id); });
    layers = layers.filter(Boolean);
    var pos = {};
    layers.forEach(function (ids) { ids.sort(); ids.forEach(function (id, i) { pos[id] = i; }); });
    for (var sweep = 0; sweep < 2; sweep++) {
      for (k = 1; k < layers.length; k++) {
        layers[k].forEach(function (id) {
          var p = preds[id].filter(function (q) { return pos[q] !== undefined; });
          index[id].bary = p.length ? p.reduce(function (s, q) { return s + pos[q]; }, 0) / p.length : pos[id];
        });
        layers[k].sort(function (x, y) { return index[x].bary - index[y].bary; });
        layers[k].forEach(function (id, i) { pos[id] = i; });
      }
    }
    var placed = {};
    layers.forEach(function (ids, col) {
      ids.forEach(function (id, row) { placed[id] = { x: 20 + col * 230, y: 20 + row * 54 }; });
    });
    return { at: placed, columns: layers.length, rows: Math.max.apply(null, [1].concat(layers.map(function (l) { return l.length; }))) };
  }

  function neighbourhood(graph) {
    var keep = {};
    graph.nodes.forEach(function (n) { if (n.action !== "no-op") { keep[n.id] = true; } });
    var changed = Object.keys(keep).reduce(function (s, id) { s[id] = true; return s; }, {});
    graph.edges.forEach(function (e) { if (changed[e[0]] || changed[e[1]]) { keep[e[0]] = true; keep[e[1]] = true; } });
    return { nodes: graph.nodes.filter(function (n) { return keep[n.id]; }),
      edges: graph.edges.filter(function (e) { return keep[e[0]] && keep[e[1]]; }) };
  }

  function drawFlow() {
    mark("dkf-flow-start");
    var graph = state.detail.graph;
    if ($("dkf-neighbourhood").checked) { graph = neighbourhood(graph); }
    var box = clear($("dkf-flow"));
    if (!graph.nodes.length) { box.appendChild(el("p", { "class": "dkf-muted", text: "No dataset, folder, recipe or scenario in this plan." })); state.graph = {}; return; }
    var placed = layout(graph.nodes, graph.edges);
    var width = 40 + placed.columns * 230, height = 40 + placed.rows * 54;
    var root = svg("svg", { "class": "dkf-graph", role: "group", "aria-label": "Flow of the plan: " + graph.nodes.length + " objects" });
    // at first: never magnified past 1:1 (a three-node flow stays node-sized), and never shrunk below
    // legible (MIN_SCALE; pan or "Fit" for the rest); "Fit" shows the whole flow
    var cw = Math.max(box.clientWidth, 400), ch = Math.max(box.clientHeight, 200);
    var fit = Math.max(width / cw, height / ch, 1);
    var view = { x: 0, y: 0, w: cw * Math.min(fit, 1 / MIN_SCALE), h: ch * Math.min(fit, 1 / MIN_SCALE) };
    var defs = svg("defs"), marker = svg("marker", { id: "dkf-arrow", viewBox: "0 0 8 8", refX: 8, refY: 4,
      markerWidth: 7, markerHeight: 7, orient: "auto" });
    marker.appendChild(svg("path", { d: "M0,0 L8,4 L0,8 z", "class": "dkf-arrowhead" }));
    defs.appendChild(marker);
    root.appendChild(defs);
    var edgesLayer = svg("g", { "class": "dkf-edges" }), nodesLayer = svg("g", { "class": "dkf-nodes" });
    graph.edges.forEach(function (e) {
      var a = placed.at[e[0]], b = placed.at[e[1]];
      if (!a || !b) { return; }
      var x1 = a.x + 170, y1 = a.y + 17, x2 = b.x, y2 = b.y + 17, mid = (x1 + x2) / 2;
      edgesLayer.appendChild(svg("path", { d: "M" + x1 + "," + y1 + " C" + mid + "," + y1 + " " + mid + "," + y2 + " " + x2 + "," + y2, "class": "dkf-edge", "marker-end": "url(#dkf-arrow)" }));
    });
    graph.nodes.forEach(function (n) { nodesLayer.appendChild(flowNode(n, placed.at[n.id])); });
    root.appendChild(edgesLayer);
    root.appendChild(nodesLayer);
    box.appendChild(root);
    state.graph = { root: root, view: view, full: { x: 0, y: 0, w: cw * fit, h: ch * fit } };
    setView(view);
    var legend = clear($("dkf-legend"));
    ACTIONS.concat(["no-op"]).forEach(function (a) { legend.appendChild(badge(a)); });
    mark("dkf-flow-drawn");
  }

  function flowNode(n, at) {
    var action = String(n.action).replace(/[^a-z-]/g, "");
    var group = svg("g", { "class": "dkf-node dkf-k-" + String(n.kind).replace(/[^a-z_]/g, "") + " dkf-n-" + action,
      transform: "translate(" + at.x + "," + at.y + ")", tabindex: "0", role: "button", "data-address": n.id });
    var shape = n.kind === "recipe" ? svg("rect", { width: 170, height: 34, rx: 17 })
      : n.kind === "scenario" ? svg("rect", { width: 170, height: 34, rx: 2, "stroke-dasharray": "4 2" })
      : svg("rect", { width: 170, height: 34, rx: 4 });
    var title = svg("title");
    title.textContent = printable((FLOW_KINDS[n.kind] || n.kind) + " " + n.name + " · " + n.action);
    var label = svg("text", { x: 10, y: 14 });
    var name = String(printable(n.name));
    label.textContent = name.length > 24 ? name.slice(0, 23) + "…" : name;
    var kind = svg("text", { x: 10, y: 28, "class": "dkf-node-kind" });
    kind.textContent = (FLOW_KINDS[n.kind] || n.kind) + (n.action !== "no-op" ? " · " + n.action : "");
    group.appendChild(title); group.appendChild(shape); group.appendChild(label); group.appendChild(kind);
    function open() { openResource(n.id); }
    group.addEventListener("click", open);
    group.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); open(); } });
    return group;
  }

  function setView(view) {
    var g = state.graph;
    if (!g || !g.root) { return; }
    g.view = view;
    g.root.setAttribute("viewBox", [view.x, view.y, view.w, view.h].join(" "));
  }

  function zoom(factor, cx, cy) {
    var g = state.graph;
    if (!g || !g.root) { return; }
    var v = g.view;
    cx = cx === undefined ? v.x + v.w / 2 : cx; cy = cy === undefined ? v.y + v.h / 2 : cy;
    var w = Math.min(Math.max(v.w * factor, 100), g.full.w * 2), h = w * v.h / v.w;
    setView({ x: cx - (cx - v.x) * w / v.w, y: cy - (cy - v.y) * h / v.h, w: w, h: h });
  }

  function pan(dx, dy) {
    var g = state.graph;
    if (!g || !g.root) { return; }
    setView({ x: g.view.x + dx * g.view.w, y: g.view.y + dy * g.view.h, w: g.view.w, h: g.view.h });
  }

  function bindFlow() {
    var box = $("dkf-flow"), drag = null;
    box.addEventListener("wheel", function (ev) {
      var g = state.graph;
      if (!g || !g.root) { return; }
      ev.preventDefault();
      var rect = g.root.getBoundingClientRect();
      var cx = g.view.x + (ev.clientX - rect.left) / rect.width * g.view.w, cy = g.view.y + (ev.clientY - rect.top) / rect.height * g.view.h;
      zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, cx, cy);
    }, { passive: false });
    box.addEventListener("mousedown", function (ev) { if (state.graph && state.graph.root) { drag = { x: ev.clientX, y: ev.clientY }; } });
    window.addEventListener("mouseup", function () { drag = null; });
    window.addEventListener("mousemove", function (ev) {
      if (!drag) { return; }
      var rect = state.graph.root.getBoundingClientRect();
      pan(-(ev.clientX - drag.x) / rect.width, -(ev.clientY - drag.y) / rect.height);
      drag = { x: ev.clientX, y: ev.clientY };
    });
    box.addEventListener("keydown", function (ev) {
      var moves = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] };
      if (moves[ev.key] && ev.target === box) { ev.preventDefault(); pan(moves[ev.key][0], moves[ev.key][1]); }
      if (ev.key === "+" || ev.key === "=") { zoom(1 / 1.25); }
      if (ev.key === "-") { zoom(1.25); }
    });
    $("dkf-zoom-in").addEventListener("click", function () { zoom(1 / 1.25); });
    $("dkf-zoom-out").addEventListener("click", function () { zoom(1.25); });
    $("dkf-zoom-fit").addEventListener("click", function () { if (state.graph && state.graph.full) { setView(state.graph.full); } });
    $("dkf-neighbourhood").addEventListener("change", drawFlow);
  }

  // -- history and rollback -------------------------------------------------------------------

  function loadHistory() {
    api("GET", "history").then(function (data) {
      var body = clear($("dkf-history").tBodies[0]);
      show($("dkf-rollback"), false);
      data.history.forEach(function (h) {
        var counts = Object.keys(h.counts || {}).filter(function (k) { return h.counts[k]; }).map(function (k) { return h.counts[k] + " " + k; }).join(", ");
        var cell = el("td");
        if ((h.operation || "apply") === "apply" && h.apply_id) {
          var preview = el("button", { type: "button", "class": "dkf-btn dkf-small", "data-apply": h.apply_id, text: "Rollback preview" });
          preview.addEventListener("click", function () { rollbackPreview(h.apply_id); });
          cell.appendChild(preview);
        }
        body.appendChild(el("tr", {}, [el("td", { text: h.apply_id }), el("td", { text: h.operation || "apply" }),
          el("td", { text: h.result === null || h.result === undefined ? "running" : h.result }), el("td", { text: h.user }),
          el("td", { text: h.stored_plan ? (h.stored_plan.approved_by || "") + " (plan " + h.stored_plan.id + ")" : "" }),
          el("td", { text: h.started_at }), el("td", { text: counts }), cell]));
      });
      if (!data.history.length) { body.appendChild(el("tr", {}, el("td", { colspan: "8", text: "No apply yet." }))); }
    }, failed);
  }

  function rollbackPreview(applyId) {
    var box = clear($("dkf-rollback"));
    show(box, true);
    box.appendChild(el("p", { text: "Preparing the rollback preview of " + applyId + "…" }));
    api("GET", "rollback-preview?apply_id=" + encodeURIComponent(applyId)).then(function (data) {
      clear(box);
      var p = data.preview;
      box.appendChild(el("h3", { text: "Rollback of apply " + p.apply_id + ": preview" }));
      var list = el("ul", { "class": "dkf-rollback-changes" });
      (p.changes || []).forEach(function (c) {
        list.appendChild(el("li", {}, [badge(c.action), " " + c.address + (c.managed ? "" : " (not managed by dataiku-framework: reverted too)")]));
      });
      if (!(p.changes || []).length) { list.appendChild(el("li", { text: "Nothing to roll back." })); }
      box.appendChild(list);
      box.appendChild(el("p", { "class": "dkf-muted", text: p.note }));
      if (state.session.admin && (p.changes || []).length) {
        var go = el("button", { type: "button", "class": "dkf-btn dkf-danger", id: "dkf-rollback-go", text: "Roll back apply " + p.apply_id });
        go.addEventListener("click", function () { rollbackNow(p.apply_id, go); });
        box.appendChild(go);
      }
    }, function (error) { clear(box); failed(error); });
  }

  function rollbackNow(applyId, button) {
    button.disabled = true;
    message("Rolling back " + applyId + "…", "info");
    api("POST", "rollback", { apply_id: applyId }).then(function (answer) {
      message(answer.summary, answer.result.succeeded ? "ok" : "error");
      loadHistory();
    }, function (error) { failed(error); button.disabled = false; });
  }

  // -- drift ----------------------------------------------------------------------------------

  function renderDrift(last) {
    var box = clear($("dkf-drift"));
    if (!last) { box.appendChild(el("p", { text: "No drift check recorded yet." })); return; }
    box.appendChild(el("p", {}, [el("strong", { text: last.count ? last.count + " difference(s)" : "No drift" }),
      " · checked at " + last.at + " by " + last.by]));
    var list = el("ul");
    (last.differences || []).forEach(function (line) { list.appendChild(el("li", { text: line })); });
    box.appendChild(list);
  }

  function loadDrift() { api("GET", "drift").then(function (data) { renderDrift(data.last); }, failed); }

  function driftNow() {
    var button = $("dkf-drift-now");
    button.disabled = true;
    message("Checking drift…", "info");
    api("POST", "drift", {}).then(function (data) { message("", null); renderDrift(data.last); }, failed)
      .then(function () { button.disabled = false; });
  }

  // -- start ----------------------------------------------------------------------------------

  function bind() {
    Array.prototype.forEach.call(document.querySelectorAll(".dkf-tab"), function (tab) {
      tab.addEventListener("click", function () { go(tab.getAttribute("data-view")); });
    });
    Array.prototype.forEach.call(document.querySelectorAll(".dkf-subtab"), function (tab) {
      tab.addEventListener("click", function () { sub(tab.getAttribute("data-sub")); });
    });
    $("dkf-status-filter").addEventListener("change", loadPlans);
    $("dkf-plan-now").addEventListener("click", planNow);
    $("dkf-confirm-source").addEventListener("click", confirmSource);
    $("dkf-back").addEventListener("click", function () { go("list"); });
    $("dkf-apply").addEventListener("click", applyPlan);
    $("dkf-discard").addEventListener("click", discardPlan);
    $("dkf-drift-now").addEventListener("click", driftNow);
    ["dkf-f-action", "dkf-f-kind"].forEach(function (id) { $(id).addEventListener("change", renderResources); });
    $("dkf-f-name").addEventListener("input", renderResources);
    bindFlow();
  }

  function start() {
    if (!$("dkf-review")) { return; }
    bind();
    loadSession().then(function () { go("list"); }, failed);
  }

  window.dkfReview = { openPlan: openPlan, showFlow: function () { state.graph = null; sub("flow"); }, layout: layout,
    diffLines: diffLines, printable: printable };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
