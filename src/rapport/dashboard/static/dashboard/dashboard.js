// The dashboard page (SPEC D1, D2, D19): the member's widget grid and one period / pipeline /
// "as of" selection for every widget, refreshed live on changes. Configure mode lives in
// configure.js and baselines in baselines.js; they share the `RapportDashboard` object made here.
(function () {
  "use strict";

  const stateNode = document.getElementById("dashboard-state");
  if (!stateNode || typeof window.GridStack !== "function") return;
  const state = JSON.parse(stateNode.textContent);
  const S = state.strings;
  const W = window.RapportWidgets;
  const root = document.getElementById("dashboard");
  const gridEl = document.getElementById("dashboard-grid");
  const form = document.getElementById("dashboard-filters");
  const status = document.getElementById("dashboard-status");
  const NARROW = 760; // px: below this the grid is one column, as the page's CSS breakpoint

  const grid = window.GridStack.init(
    {
      column: 12,
      cellHeight: 76,
      margin: 6,
      staticGrid: true,
      animate: false,
      handle: ".widget-drag",
    },
    gridEl
  );

  const app = {
    state: state,
    S: S,
    W: W,
    grid: grid,
    root: root,
    saved: state.layout, // the layout as last saved (or the default one)
    config: {}, // key -> {key, view, options} of the widgets on the grid
    places: {}, // key -> {x, y, w, h} on the 12-column grid, whatever the screen shows
    catalogue: new Map(state.fallback_catalogue.map((c) => [c.key, c])),
    figures: new Map(), // key -> last answer of the widget API
    charts: new Map(), // key -> Chart objects drawn
    requests: new Map(), // key -> number of the latest request, to drop late answers
    params: Object.assign({}, state.params),
    configuring: false,
    preview: null, // object URL of a background chosen but not saved yet
    hooks: { widgetFilled: [], drawn: [], started: [] },
  };
  window.RapportDashboard = app;

  function run(hook, ...args) {
    app.hooks[hook].forEach((fn) => fn(...args));
  }

  app.csrfToken = function () {
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  };

  app.send = async function (method, url, body, headers) {
    const options = { method: method, credentials: "same-origin", headers: Object.assign({ Accept: "application/json", "X-CSRFToken": app.csrfToken() }, headers || {}) };
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    try {
      const response = await fetch(url, options);
      const payload = response.status === 204 ? null : await response.json().catch(() => null);
      return { ok: response.ok, status: response.status, body: payload };
    } catch (error) {
      return { ok: false, status: 0, body: null };
    }
  };

  let noticeTimer = null;
  app.announce = function (text) {
    status.textContent = "";
    window.setTimeout(() => { status.textContent = text; }, 30);
    const notice = document.getElementById("dashboard-notice");
    notice.textContent = text;
    notice.hidden = !text;
    window.clearTimeout(noticeTimer);
    noticeTimer = window.setTimeout(() => { notice.hidden = true; }, 8000);
  };

  app.button = function (text, className, label) {
    const node = W.el("button", className, text);
    node.type = "button";
    if (label) {
      node.setAttribute("aria-label", label);
      node.title = label;
    }
    return node;
  };

  // ----- period, pipeline and "as of" (D2, D19) -----

  // "As of" a day means as that day ended, read in the workspace's time zone by the server; the
  // end of today has not happened yet, so today (or later) is simply now.
  function asOfMoment(date) {
    return date && date < state.today ? date + "T23:59:59" : null;
  }

  app.usesPipeline = function (key) {
    const meta = app.catalogue.get(key);
    return Boolean(meta && meta.uses_pipeline);
  };

  function widgetQuery(key) {
    const params = app.params;
    const query = new URLSearchParams({ period: params.period });
    if (params.period === "custom") {
      query.set("start", params.start);
      query.set("end", params.end);
    }
    if (params.pipeline && app.usesPipeline(key)) query.set("pipeline", params.pipeline);
    const moment = asOfMoment(params.as_of);
    if (moment) query.set("as_of", moment);
    return query;
  }

  function syncAddress() {
    const params = app.params;
    const query = new URLSearchParams({ period: params.period });
    if (params.period === "custom") {
      query.set("start", params.start);
      query.set("end", params.end);
    }
    if (params.pipeline) query.set("pipeline", params.pipeline);
    if (params.as_of) query.set("as_of", params.as_of);
    window.history.replaceState(null, "", window.location.pathname + "?" + query.toString());
  }

  app.syncControls = function () {
    const custom = form.elements.period.value === "custom";
    form.querySelectorAll(".custom-range").forEach((node) => { node.hidden = !custom; });
    document.getElementById("pipeline-field").hidden = state.pipelines.length === 0 || !Object.keys(app.config).some(app.usesPipeline);
    document.getElementById("as-of-banner").hidden = !app.params.as_of;
    document.getElementById("as-of-date").textContent = app.params.as_of;
  };

  function readControls() {
    const error = document.getElementById("period-errors");
    const next = {
      period: form.elements.period.value,
      start: form.elements.start.value,
      end: form.elements.end.value,
      pipeline: form.elements.pipeline ? form.elements.pipeline.value : "",
      as_of: form.elements.as_of.value,
    };
    if (next.as_of && next.as_of >= state.today) {
      next.as_of = ""; // "as of" today is now
      form.elements.as_of.value = "";
    }
    error.textContent = "";
    if (next.period === "custom" && !next.start && !next.end) {
      // A fresh custom range starts as the last seven days, ready to adjust.
      const today = new Date(state.today + "T00:00:00Z");
      next.end = state.today;
      next.start = new Date(today.getTime() - 6 * 86400000).toISOString().slice(0, 10);
      form.elements.start.value = next.start;
      form.elements.end.value = next.end;
    }
    app.syncControls();
    if (next.period === "custom" && (!next.start || !next.end || next.start > next.end)) {
      if (next.start && next.end) error.appendChild(W.el("li", null, S.period_invalid));
      return;
    }
    if (next.period !== "custom") {
      next.start = "";
      next.end = "";
    }
    app.params = next;
    app.syncControls();
    syncAddress();
    app.refreshAll();
  }

  form.addEventListener("change", readControls);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    readControls();
  });
  document.getElementById("as-of-clear").addEventListener("click", () => {
    form.elements.as_of.value = "";
    readControls();
  });

  // ----- widgets on the grid -----

  app.itemOf = function (key) {
    return gridEl.querySelector('.grid-stack-item[gs-id="' + CSS.escape(key) + '"]');
  };

  app.titleOf = function (key) {
    const meta = app.catalogue.get(key);
    return meta ? meta.title : key;
  };

  app.viewsOf = function (key) {
    const meta = app.catalogue.get(key);
    return meta && meta.views && meta.views.length ? meta.views : ["number", "list", "chart"];
  };

  app.fillWidget = function (item, key) {
    const content = item.querySelector(".grid-stack-item-content");
    content.replaceChildren();
    content.classList.add("widget");
    content.setAttribute("role", "region");
    const titleId = "widget-title-" + key;
    content.setAttribute("aria-labelledby", titleId);

    const head = W.el("div", "widget-head");
    const grip = W.el("span", "widget-drag", "⠿");
    grip.setAttribute("aria-hidden", "true");
    head.appendChild(grip);
    const title = W.el("h2", "widget-title", app.titleOf(key));
    title.id = titleId;
    head.appendChild(title);

    const views = W.el("div", "widget-views");
    views.setAttribute("role", "group");
    views.setAttribute("aria-label", S.show_as);
    app.viewsOf(key).forEach((view) => {
      const choice = app.button(S[view] || view, "view-button");
      choice.dataset.view = view;
      choice.addEventListener("click", () => setView(key, view));
      views.appendChild(choice);
    });
    head.appendChild(views);
    content.appendChild(head);
    const body = W.el("div", "widget-body");
    body.setAttribute("aria-live", "polite");
    content.appendChild(body);
    content.appendChild(W.el("div", "widget-foot"));
    markView(key);
    run("widgetFilled", item, key, head);
  };

  function markView(key) {
    const item = app.itemOf(key);
    if (!item) return;
    item.querySelectorAll(".view-button").forEach((choice) => {
      choice.setAttribute("aria-pressed", String(choice.dataset.view === app.config[key].view));
    });
  }

  function setView(key, view) {
    app.config[key].view = view;
    markView(key);
    app.draw(key);
    app.persistQuietly();
  }

  // Phones show one column, widgets stacked in grid order; the 12-column places stay what is saved.
  app.fitColumns = function () {
    const want = window.innerWidth < NARROW ? 1 : 12;
    if (grid.getColumn() !== want) grid.column(want, "none");
    root.classList.toggle("narrow", want === 1);
  };

  function remember(nodes) {
    if (grid.getColumn() !== 12) return;
    nodes.forEach((n) => {
      if (app.config[n.id]) app.places[n.id] = { x: n.x, y: n.y, w: n.w, h: n.h };
    });
  }
  grid.on("change", (event, nodes) => remember(nodes || []));

  app.addToGrid = function (key, place) {
    if (!place) {
      // A new widget goes below the others (gravity then packs it up where it fits).
      const bottom = Object.values(app.places).reduce((low, p) => Math.max(low, p.y + p.h), 0);
      place = { x: 0, y: bottom, w: 4, h: 3 };
    }
    app.places[key] = Object.assign({}, place);
    const item = grid.addWidget(Object.assign({ id: key }, place));
    app.fillWidget(item, key);
    remember([item.gridstackNode]);
    return item;
  };

  app.removeFromGrid = function (key) {
    const item = app.itemOf(key);
    app.destroyCharts(key);
    if (item) grid.removeWidget(item, true);
    delete app.config[key];
    delete app.places[key];
    app.figures.delete(key);
  };

  app.loadGrid = function (layout) {
    app.charts.forEach((made) => made.forEach((chart) => chart.destroy()));
    app.charts.clear();
    app.figures.clear();
    app.config = {};
    app.places = {};
    // Built on 12 columns, then fitted to the screen, so the phone view is derived, never saved.
    if (grid.getColumn() !== 12) grid.column(12, "none");
    grid.removeAll(true);
    grid.batchUpdate();
    layout.widgets.forEach((w) => {
      app.config[w.key] = { key: w.key, view: w.view, options: Object.assign({}, w.options || {}) };
      app.addToGrid(w.key, { x: w.x, y: w.y, w: w.w, h: w.h });
    });
    grid.batchUpdate(false);
    remember(grid.engine.nodes);
    app.fitColumns();
    app.applyLook(layout);
    app.syncControls();
  };

  app.applyLook = function (look) {
    root.dataset.theme = look.theme || "light";
    if (look.font_colour) root.style.setProperty("--dash-font", look.font_colour);
    else root.style.removeProperty("--dash-font");
    const background = app.preview || look.background_url;
    root.style.backgroundImage = background ? 'url("' + background + '")' : "";
    root.classList.toggle("has-background", Boolean(background));
    document.getElementById("dashboard-title").textContent = look.title || S.dashboard;
    // Chart colours come from the theme: draw them again in the new one.
    Object.keys(app.config).forEach(app.draw);
  };

  // ----- figures -----

  function bodyOf(key) {
    const item = app.itemOf(key);
    return item ? item.querySelector(".widget-body") : null;
  }

  app.refresh = async function (key) {
    const body = bodyOf(key);
    if (!body) return;
    const number = (app.requests.get(key) || 0) + 1;
    app.requests.set(key, number);
    body.setAttribute("aria-busy", "true");
    if (!app.figures.has(key)) body.replaceChildren(W.el("p", "widget-empty muted", S.loading));
    const answer = await app.send("GET", state.urls.widget + encodeURIComponent(key) + "?" + widgetQuery(key).toString());
    if (app.requests.get(key) !== number || bodyOf(key) !== body) return;
    body.removeAttribute("aria-busy");
    if (!answer.ok || !answer.body) return showProblem(key, answer);
    app.figures.set(key, answer.body);
    app.draw(key);
    showPeriod(answer.body);
  };

  function showProblem(key, answer) {
    const body = bodyOf(key);
    app.figures.delete(key);
    app.destroyCharts(key);
    body.replaceChildren();
    const text = answer.status === 404 ? S.unavailable : (answer.body && answer.body.detail) || S.load_failed;
    body.appendChild(W.el("p", "widget-error", text));
    ((answer.body && answer.body.errors) || []).forEach((e) => body.appendChild(W.el("p", "widget-error", e.field + ": " + e.message)));
    if (answer.status !== 404 && answer.status !== 422) {
      const again = app.button(S.retry, "link-button");
      again.addEventListener("click", () => app.refresh(key));
      body.appendChild(again);
    }
    app.itemOf(key).querySelector(".widget-foot").replaceChildren();
  }

  function showPeriod(data) {
    const label = document.getElementById("period-label");
    if (data.period && data.period.label) label.textContent = data.period.label + (data.period.time_zone ? " · " + data.period.time_zone : "");
  }

  app.destroyCharts = function (key) {
    (app.charts.get(key) || []).forEach((chart) => chart.destroy());
    app.charts.delete(key);
  };

  app.resizeCharts = function (key) {
    (app.charts.get(key) || []).forEach((chart) => chart.resize());
  };

  app.draw = function (key) {
    const body = bodyOf(key);
    const data = app.figures.get(key);
    if (!body || !data || !app.config[key]) return;
    app.destroyCharts(key);
    const view = app.config[key].view;
    const made = W.render(body, view, data, {
      strings: S,
      baseline: view === "list" ? null : app.chosenBaseline(key),
      compare: app.config[key].options.compare || "overlay",
    });
    app.charts.set(key, made);
    run("drawn", key);
  };

  app.chosenBaseline = function () {
    return null; // baselines.js replaces this
  };

  app.refreshAll = function () {
    Object.keys(app.config).forEach(app.refresh);
  };

  // ----- saving the layout -----

  app.positions = function () {
    return Object.keys(app.places).map((key) => Object.assign({ key: key }, app.places[key]));
  };

  app.layoutBody = function (look) {
    look = look || app.saved;
    return {
      title: look.title || "",
      theme: look.theme || "light",
      font_colour: look.font_colour || "",
      widgets: app
        .positions()
        .filter((p) => app.config[p.key])
        .map((p) => Object.assign(p, { view: app.config[p.key].view, options: app.config[p.key].options })),
    };
  };

  app.putLayout = async function (body) {
    const answer = await app.send("PUT", state.urls.layout, body, { "If-Match": '"' + app.saved.version + '"' });
    if (answer.ok) app.saved = answer.body;
    return answer;
  };

  // Outside configure mode a view or baseline choice is kept at once, without a Save button.
  // Saves run one after the other: each sends the version the previous one answered, so two
  // quick choices never race each other into a 412.
  let quietTimer = null;
  let saving = Promise.resolve();
  app.persistQuietly = function () {
    if (app.configuring) return;
    window.clearTimeout(quietTimer);
    quietTimer = window.setTimeout(() => {
      saving = saving.then(async () => {
        const answer = await app.putLayout(app.layoutBody());
        if (answer.status === 412) app.announce(S.stale);
      });
    }, 300);
  };

  // ----- real time (X3) -----

  // Which widgets a change of each object type can move; the analytics API answers the real map
  // (GET /api/v1/dashboard/refresh-map) and this one serves until it has.
  let affects = {
    deal: ["forecast", "goals", "leads_per_user", "pipeline_dynamics", "tasks", "won_deals"],
    stage: ["forecast", "pipeline_dynamics"],
    pipeline: ["forecast", "pipeline_dynamics"],
    lead: ["lead_sources", "leads_per_user", "tasks"],
    activity: ["activity", "calls", "latest_uploads", "messages", "notes", "response_time", "tasks"],
    attachment: ["latest_uploads"],
    goal: ["goals"],
    exchangerate: ["forecast", "goals", "pipeline_dynamics", "won_deals"],
    conversation: ["messages", "nps", "response_time"],
    message: ["lead_sources", "messages", "response_time"],
    usageinterval: ["system_usage"],
  };
  const pending = new Set();
  let liveTimer = null;

  function onChange(change) {
    if (!change) return;
    if (change.object_type === "dashboardlayout" && app.saved.id && Number(change.object_id) === app.saved.id) return reloadLayout();
    if (asOfMoment(app.params.as_of)) return; // a past moment does not change
    // After the stream reconnects, changes made meanwhile are unknown: everything is re-fetched.
    const keys = change.object_type === "*" ? Object.keys(app.config) : affects[change.object_type] || [];
    keys.forEach((key) => {
      if (app.config[key]) pending.add(key);
    });
    if (!pending.size || liveTimer) return;
    // Debounced: a burst of changes (a bulk edit, an import) costs one request per widget.
    liveTimer = window.setTimeout(() => {
      liveTimer = null;
      const keys = Array.from(pending);
      pending.clear();
      keys.forEach(app.refresh);
    }, 400);
  }

  async function reloadLayout() {
    if (app.configuring) return;
    const answer = await app.send("GET", state.urls.layout);
    if (!answer.ok || answer.body.version <= app.saved.version) return;
    app.saved = answer.body;
    app.loadGrid(app.saved);
    app.refreshAll();
    app.announce(S.layout_changed);
  }

  grid.on("resizestop", (event, el) => app.resizeCharts(el.getAttribute("gs-id")));
  window.addEventListener("resize", () => window.requestAnimationFrame(app.fitColumns));

  // ----- start -----

  async function start() {
    app.loadGrid(app.saved);
    if (window.rapportLive && typeof window.rapportLive.subscribe === "function") window.rapportLive.subscribe(onChange);
    // Time spent in the app changes without any record event.
    window.setInterval(() => {
      if (app.config.system_usage && !document.hidden && !asOfMoment(app.params.as_of)) app.refresh("system_usage");
    }, 60000);
    const map = await app.send("GET", state.urls.refresh_map);
    if (map.ok && map.body && typeof map.body === "object") affects = map.body;
    const answer = await app.send("GET", state.urls.catalogue);
    if (answer.ok && Array.isArray(answer.body)) {
      app.catalogue = new Map(answer.body.map((c) => [c.key, c]));
      Object.keys(app.config).forEach((key) => {
        if (!app.catalogue.has(key)) return;
        if (app.viewsOf(key).indexOf(app.config[key].view) < 0) app.config[key].view = app.catalogue.get(key).default_view || app.viewsOf(key)[0];
        app.fillWidget(app.itemOf(key), key);
      });
      app.syncControls();
    }
    for (const fn of app.hooks.started) await fn();
    app.refreshAll();
    root.dataset.ready = "true";
  }
  // The other dashboard scripts run after this one (all deferred, so before DOMContentLoaded):
  // start once they have hooked in.
  if (document.readyState === "complete") window.setTimeout(start, 0);
  else document.addEventListener("DOMContentLoaded", start);
})();
