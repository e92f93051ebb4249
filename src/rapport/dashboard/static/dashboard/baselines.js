// Baselines on the dashboard (SPEC D18): freeze a chart's current figures under a name, then
// show a chosen baseline over or beside the live chart. Hooks into RapportDashboard.
(function () {
  "use strict";

  const app = window.RapportDashboard;
  if (!app) return;
  const S = app.S;
  const W = app.W;
  const urls = app.state.urls;
  let baselines = app.state.baselines.slice(); // summaries: {id, widget_key, name, period_label}
  const cache = new Map(); // id -> full baseline with its figures
  const dialog = document.getElementById("baseline-dialog");
  const dialogForm = document.getElementById("baseline-form");
  let freezing = null;

  async function ensure(id) {
    if (!id || cache.has(id)) return;
    const answer = await app.send("GET", urls.baselines + "/" + id);
    if (answer.ok) cache.set(id, answer.body);
  }

  app.chosenBaseline = function (key) {
    const id = app.config[key] && app.config[key].options.baseline;
    return id ? cache.get(id) || null : null;
  };

  function foot(key) {
    const item = app.itemOf(key);
    const node = item && item.querySelector(".widget-foot");
    if (!node) return;
    node.replaceChildren();
    const data = app.figures.get(key);
    if (app.config[key].view !== "chart" || !data || !data.chart) return;
    const mine = baselines.filter((b) => b.widget_key === key);
    // A baseline deleted elsewhere is simply no longer chosen.
    const chosen = mine.some((b) => b.id === app.config[key].options.baseline) ? app.config[key].options.baseline : "";
    const selectId = "baseline-" + key;
    const label = W.el("label", "visually-hidden", S.compare_with);
    label.htmlFor = selectId;
    const select = W.el("select", "baseline-select");
    select.id = selectId;
    select.appendChild(new Option(S.no_baseline, ""));
    mine.forEach((b) => select.appendChild(new Option(b.name + (b.period_label && b.name.indexOf(b.period_label) < 0 ? " (" + b.period_label + ")" : ""), String(b.id))));
    select.value = String(chosen);
    select.addEventListener("change", async () => {
      const id = select.value ? Number(select.value) : null;
      if (id) app.config[key].options.baseline = id;
      else delete app.config[key].options.baseline;
      await ensure(id);
      app.draw(key);
      app.persistQuietly();
      const again = document.getElementById(selectId);
      if (again) again.focus();
    });
    node.append(label, select);
    if (chosen) {
      const mode = W.el("select", "compare-select");
      mode.id = "compare-" + key;
      mode.setAttribute("aria-label", S.compare_with);
      mode.appendChild(new Option(S.overlay, "overlay"));
      mode.appendChild(new Option(S.beside, "beside"));
      mode.value = app.config[key].options.compare || "overlay";
      mode.addEventListener("change", () => {
        app.config[key].options.compare = mode.value;
        app.draw(key);
        app.persistQuietly();
        const again = document.getElementById(mode.id);
        if (again) again.focus();
      });
      const drop = app.button("✕", "tool-button remove-button", S.delete_baseline);
      drop.addEventListener("click", () => remove(key, Number(chosen)));
      node.append(mode, drop);
    }
    const freeze = app.button(S.freeze, "link-button freeze-button");
    freeze.addEventListener("click", () => open(key));
    node.appendChild(freeze);
  }

  function open(key) {
    const data = app.figures.get(key);
    if (!data) return;
    freezing = key;
    dialogForm.elements.name.value = app.titleOf(key) + (data.period && data.period.label ? " · " + data.period.label : "");
    document.getElementById("baseline-errors").replaceChildren();
    dialog.showModal();
    dialogForm.elements.name.select();
  }

  dialogForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (event.submitter && event.submitter.value === "cancel") return dialog.close();
    const key = freezing;
    const data = app.figures.get(key);
    if (!data) return dialog.close();
    const answer = await app.send("POST", urls.baselines, {
      widget_key: key,
      name: dialogForm.elements.name.value,
      period: { key: app.params.period, start: data.period.start, end: data.period.end, label: data.period.label || "" },
      pipeline: app.usesPipeline(key) && app.params.pipeline ? Number(app.params.pipeline) : null,
      as_of: data.as_of || null,
      currency: data.currency || null,
      data: { number: data.number || null, rows: data.rows || [], chart: data.chart || null },
    });
    const errors = document.getElementById("baseline-errors");
    errors.replaceChildren();
    if (!answer.ok) {
      const problems = (answer.body && answer.body.errors) || [];
      if (!problems.length) problems.push({ message: (answer.body && answer.body.detail) || S.save_failed });
      problems.forEach((e) => errors.appendChild(W.el("li", null, e.message)));
      return;
    }
    const made = answer.body;
    cache.set(made.id, made);
    baselines.unshift({ id: made.id, widget_key: made.widget_key, name: made.name, period_label: made.period.label });
    dialog.close();
    foot(key);
    app.announce(S.baseline_saved);
    const select = document.getElementById("baseline-" + key);
    if (select) select.focus();
  });

  async function remove(key, id) {
    if (!window.confirm(S.confirm_delete)) return;
    const answer = await app.send("DELETE", urls.baselines + "/" + id);
    if (!answer.ok && answer.status !== 404) return app.announce(S.save_failed);
    baselines = baselines.filter((b) => b.id !== id);
    cache.delete(id);
    Object.values(app.config).forEach((c) => {
      if (c.options.baseline === id) delete c.options.baseline;
    });
    app.draw(key);
    app.persistQuietly();
    app.announce(S.baseline_deleted);
  }

  app.hooks.drawn.push(foot);
  app.hooks.started.push(() => Promise.all(Object.values(app.config).map((c) => ensure(c.options.baseline))));
})();
