// Configure mode of the dashboard (SPEC D1): drag or use the buttons to move and resize widgets,
// add them from the catalogue, remove them, set the title, theme, font colour and background,
// and save; an administrator may also apply the layout to every member. Hooks into RapportDashboard.
(function () {
  "use strict";

  const app = window.RapportDashboard;
  if (!app) return;
  const S = app.S;
  const W = app.W;
  const grid = app.grid;
  const root = app.root;
  const urls = app.state.urls;
  const panel = document.getElementById("configure-panel");
  const panelForm = document.getElementById("configure-form");
  const toggle = document.getElementById("configure-toggle");

  const TOOLS = [
    ["←", "move_left", { dx: -1 }],
    ["→", "move_right", { dx: 1 }],
    ["↑", "move_up", { dy: -1 }],
    ["↓", "move_down", { dy: 1 }],
    ["↔−", "narrower", { dw: -1 }],
    ["↔+", "wider", { dw: 1 }],
    ["↕−", "shorter", { dh: -1 }],
    ["↕+", "taller", { dh: 1 }],
  ];

  function addTools(item, key, head) {
    const tools = W.el("div", "widget-tools");
    TOOLS.forEach(([symbol, name, change]) => {
      const tool = app.button(symbol, "tool-button", S[name] + ": " + app.titleOf(key));
      tool.dataset.tool = name;
      tool.addEventListener("click", () => nudge(key, change));
      tools.appendChild(tool);
    });
    const remove = app.button("✕", "tool-button remove-button", S.remove + ": " + app.titleOf(key));
    remove.dataset.tool = "remove";
    remove.addEventListener("click", () => removeWidget(key));
    tools.appendChild(remove);
    head.appendChild(tools);
  }

  function overlapping(a, b) {
    return a.x < b.x + b.w && b.x < a.x + a.w;
  }

  // Up and down jump over the neighbour in the way, as dragging would; gravity packs the rest.
  function rowAbove(node) {
    const above = grid.engine.nodes.filter((n) => n !== node && overlapping(n, node) && n.y < node.y);
    return above.length ? Math.max.apply(null, above.map((n) => n.y)) : node.y;
  }

  function rowBelow(node) {
    const below = grid.engine.nodes.filter((n) => n !== node && overlapping(n, node) && n.y > node.y);
    if (!below.length) return node.y;
    const next = below.reduce((a, b) => (b.y < a.y ? b : a));
    return next.y + next.h;
  }

  function nudge(key, change) {
    const item = app.itemOf(key);
    const node = item && item.gridstackNode;
    if (!node) return;
    const next = { x: node.x, y: node.y, w: node.w, h: node.h };
    if (change.dx) next.x = Math.max(0, Math.min(12 - node.w, node.x + change.dx));
    if (change.dw) next.w = Math.max(1, Math.min(12 - node.x, node.w + change.dw));
    if (change.dh) next.h = Math.max(1, Math.min(24, node.h + change.dh));
    if (change.dy) next.y = change.dy < 0 ? rowAbove(node) : rowBelow(node);
    grid.update(item, next);
    app.resizeCharts(key);
  }

  function removeWidget(key) {
    if (!app.itemOf(key)) return;
    app.removeFromGrid(key);
    renderCatalogue();
    app.syncControls();
    app.announce(S.remove + ": " + app.titleOf(key));
    (document.querySelector("#catalogue-list button") || toggle).focus();
  }

  function addWidget(key) {
    const meta = app.catalogue.get(key) || {};
    app.config[key] = { key: key, view: meta.default_view || app.viewsOf(key)[0], options: {} };
    const item = app.addToGrid(key);
    renderCatalogue();
    app.syncControls();
    app.refresh(key);
    const first = item.querySelector(".tool-button");
    if (first) first.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  function renderCatalogue() {
    const list = document.getElementById("catalogue-list");
    list.replaceChildren();
    const missing = Array.from(app.catalogue.values()).filter((c) => !app.config[c.key]);
    if (!missing.length) list.appendChild(W.el("li", "muted", S.all_added));
    missing.forEach((meta) => {
      const entry = W.el("li", "catalogue-entry");
      const text = W.el("div", "catalogue-text");
      text.appendChild(W.el("strong", null, meta.title));
      if (meta.description) text.appendChild(W.el("span", "muted", meta.description));
      const add = app.button("+ " + S.add, "button", S.add + ": " + meta.title);
      add.dataset.key = meta.key;
      add.addEventListener("click", () => addWidget(meta.key));
      entry.append(text, add);
      list.appendChild(entry);
    });
  }

  function readLook() {
    const f = panelForm.elements;
    return {
      title: f.title.value,
      theme: f.theme.value,
      font_colour: f.use_font_colour.checked ? f.font_colour.value : "",
      background_url: f.clear_background && f.clear_background.checked ? null : app.saved.background_url,
    };
  }

  function fillPanel() {
    const f = panelForm.elements;
    const saved = app.saved;
    f.title.value = saved.title || "";
    f.theme.value = saved.theme || "light";
    f.use_font_colour.checked = Boolean(saved.font_colour);
    f.font_colour.value = saved.font_colour || "#1f2933";
    f.background.value = "";
    f.clear_background.checked = false;
    document.getElementById("clear-background-field").hidden = !saved.background_url;
    if (f.apply_to_all) f.apply_to_all.checked = false;
    clearErrors();
  }

  function clearErrors() {
    panel.querySelectorAll(".errorlist").forEach((list) => list.replaceChildren());
  }

  // On one column (phones) widgets keep their grid places: adding and removing still work there.
  function syncMode() {
    const narrow = grid.getColumn() === 1;
    grid.setStatic(!app.configuring || narrow);
    document.getElementById("narrow-note").hidden = !(app.configuring && narrow);
  }

  function setConfiguring(on) {
    app.configuring = on;
    root.classList.toggle("configuring", on);
    toggle.setAttribute("aria-expanded", String(on));
    panel.hidden = !on;
    syncMode();
    if (on) {
      fillPanel();
      renderCatalogue();
      document.getElementById("configure-heading").focus();
    }
  }

  function dropPreview() {
    if (app.preview) URL.revokeObjectURL(app.preview);
    app.preview = null;
  }

  function cancel() {
    dropPreview();
    setConfiguring(false);
    app.loadGrid(app.saved);
    app.refreshAll();
    toggle.focus();
  }

  toggle.addEventListener("click", () => (app.configuring ? cancel() : setConfiguring(true)));
  document.getElementById("cancel-layout").addEventListener("click", cancel);
  panelForm.addEventListener("input", (event) => {
    if (event.target.name === "font_colour") panelForm.elements.use_font_colour.checked = true;
    app.applyLook(readLook());
  });
  panelForm.elements.background.addEventListener("change", () => {
    const input = panelForm.elements.background;
    const file = input.files[0];
    const errors = document.getElementById("background-errors");
    errors.replaceChildren();
    dropPreview();
    if (file && file.size > app.state.max_background_bytes) errors.appendChild(W.el("li", null, input.dataset.tooLarge));
    else if (file) app.preview = URL.createObjectURL(file);
    app.applyLook(readLook());
  });

  function showErrors(answer) {
    const problems = (answer.body && answer.body.errors) || [];
    const general = document.getElementById("layout-errors");
    problems.forEach((e) => {
      const field = String(e.field || "").split(".")[0];
      const target = document.getElementById((field === "file" ? "background" : field) + "-errors") || general;
      target.appendChild(W.el("li", null, e.message));
    });
    if (!problems.length) general.appendChild(W.el("li", null, answer.status === 412 ? S.stale : (answer.body && answer.body.detail) || S.save_failed));
    const first = panel.querySelector(".errorlist li");
    const field = first && first.closest(".field");
    const control = field && field.querySelector("input, select");
    if (control) control.focus();
  }

  panelForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const f = panelForm.elements;
    let answer = await app.putLayout(app.layoutBody(readLook()));
    if (!answer.ok) return showErrors(answer);
    const file = f.background.files[0];
    if (file) {
      const upload = new FormData();
      upload.append("file", file);
      answer = await app.send("POST", urls.background, upload);
      if (!answer.ok) return showErrors(answer);
      app.saved = answer.body;
    } else if (f.clear_background.checked) {
      answer = await app.send("DELETE", urls.background);
      if (!answer.ok) return showErrors(answer);
      app.saved = answer.body;
    }
    let message = S.saved;
    if (f.apply_to_all && f.apply_to_all.checked) {
      answer = await app.send("POST", urls.apply);
      if (!answer.ok) return showErrors(answer);
      message += " " + S.applied.replace("%(n)s", answer.body.members);
    }
    dropPreview();
    setConfiguring(false);
    app.applyLook(app.saved);
    app.announce(message);
    toggle.focus();
  });

  app.hooks.widgetFilled.push(addTools);
  window.addEventListener("resize", () => window.requestAnimationFrame(syncMode));
})();
