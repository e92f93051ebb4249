// Drawing one widget's figures as a number, a list or a chart (SPEC D2), with an optional baseline
// beside or over the chart (D18). Every figure that has a "link" opens the records behind it.
// All text goes in through textContent: figures and labels are user data and are never parsed as HTML.
(function () {
  "use strict";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // Only paths of this site: a link is data from the server and must never run script.
  function safeLink(link) {
    return typeof link === "string" && /^\/(?!\/)/.test(link) ? link : null;
  }

  function linkOrText(link, className, text) {
    const href = safeLink(link);
    const node = el(href ? "a" : "span", className, text);
    if (href) node.href = href;
    return node;
  }

  function display(value, shown) {
    if (shown !== undefined && shown !== null && shown !== "") return String(shown);
    if (value === null || value === undefined) return "–";
    return typeof value === "number" ? value.toLocaleString() : String(value);
  }

  function colours(node) {
    const style = getComputedStyle(node);
    const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
    const palette = [];
    for (let i = 1; i <= 8; i += 1) palette.push(read("--w-c" + i, "#2457c5"));
    return {
      primary: read("--w-accent", "#2457c5"),
      muted: read("--w-muted", "#8a94a3"),
      muted2: read("--w-muted2", "#b3bcc7"),
      band: read("--w-band", "rgba(36, 87, 197, 0.18)"),
      text: read("--w-text", "#1f2933"),
      surface: read("--w-bg", "#ffffff"),
      grid: read("--w-grid", "rgba(0, 0, 0, 0.08)"),
      baseline: read("--w-baseline", "#8a94a3"),
      palette: palette,
    };
  }

  function empty(body, strings) {
    body.appendChild(el("p", "widget-empty muted", strings.no_data));
  }

  function renderNumber(body, data, ctx) {
    const number = data.number;
    if (!number) {
      // A widget without a headline figure still answers in number view: its first rows.
      if (data.rows && data.rows.length) return renderList(body, { rows: data.rows.slice(0, 3) }, ctx);
      return empty(body, ctx.strings);
    }
    const box = el("div", "widget-number-box");
    box.appendChild(linkOrText(number.link, "widget-number", display(number.value, number.display)));
    if (number.label) box.appendChild(el("p", "widget-number-label", number.label));
    if (typeof number.change_percent === "number") {
      const up = number.change_percent >= 0;
      const change = el("p", "widget-change " + (up ? "up" : "down"));
      change.appendChild(el("span", null, (up ? "▲ " : "▼ ") + Math.abs(number.change_percent).toLocaleString() + "%"));
      change.appendChild(el("span", "muted", " " + ctx.strings.previous));
      box.appendChild(change);
    }
    const frozen = ctx.baseline && ctx.baseline.data && ctx.baseline.data.number;
    if (frozen) {
      box.appendChild(el("p", "widget-baseline-figure muted", ctx.baseline.name + ": " + display(frozen.value, frozen.display)));
    }
    body.appendChild(box);
  }

  function renderList(body, data, ctx) {
    const rows = data.rows || [];
    if (!rows.length) return empty(body, ctx.strings);
    const list = el("ol", "widget-rows");
    rows.forEach((row) => {
      const item = el("li", "widget-row");
      const line = linkOrText(row.link, "widget-row-line");
      line.appendChild(el("span", "widget-row-label", row.label));
      line.appendChild(el("span", "widget-row-value", display(row.value, row.display)));
      item.appendChild(line);
      if (typeof row.share === "number") {
        const bar = el("span", "share-bar");
        bar.setAttribute("aria-hidden", "true");
        const fill = el("span", "share-fill");
        fill.style.width = Math.max(0, Math.min(100, row.share)) + "%";
        bar.appendChild(fill);
        item.appendChild(bar);
      }
      list.appendChild(item);
    });
    body.appendChild(list);
  }

  // Band datasets draw a confidence band: the high line is filled down to the low one.
  function orderBands(datasets) {
    const low = datasets.filter((d) => d.style === "band-low");
    const high = datasets.filter((d) => d.style === "band-high");
    const rest = datasets.filter((d) => d.style !== "band-low" && d.style !== "band-high");
    return rest.concat(low, high);
  }

  function styleDataset(source, index, chartType, c, hasLow, mutedIndex) {
    const ds = { label: source.label || "", data: (source.data || []).slice(), _links: source.links || null };
    const style = source.style || "primary";
    if (chartType === "doughnut") {
      ds.backgroundColor = ds.data.map((_, i) => c.palette[i % c.palette.length]);
      ds.borderColor = c.surface;
      return ds;
    }
    // Several muted series (left, lost) alternate two greys so the legend tells them apart.
    const grey = mutedIndex % 2 === 0 ? c.muted : c.muted2;
    const colour = style === "muted" ? grey : index === 0 ? c.primary : c.palette[index % c.palette.length];
    if (style === "band-low" || style === "band-high") {
      ds.borderColor = c.band;
      ds.backgroundColor = c.band;
      ds.pointRadius = 0;
      ds.borderWidth = 1;
      ds.fill = style === "band-high" && hasLow ? "-1" : false;
      ds.type = "line";
      return ds;
    }
    ds.borderColor = colour;
    ds.backgroundColor = colour;
    if (chartType === "line") {
      ds.fill = false;
      ds.tension = 0.25;
      ds.pointRadius = 2;
      if (style === "muted") ds.borderDash = [5, 4];
    }
    return ds;
  }

  // The baseline's values for the live chart's labels: by label when it has them all, else by position.
  function alignBaseline(liveLabels, frozen) {
    const labels = frozen.labels || [];
    const byLabel = liveLabels.length > 0 && liveLabels.every((label) => labels.indexOf(label) >= 0);
    return (frozen.datasets || [])
      .filter((d) => d.style !== "band-low" && d.style !== "band-high")
      .map((d) => ({
        label: d.label,
        data: liveLabels.map((label, i) => {
          const at = byLabel ? labels.indexOf(label) : i;
          const value = (d.data || [])[at];
          return value === undefined ? null : value;
        }),
      }));
  }

  function chartConfig(chart, c, extra) {
    const datasets = orderBands(chart.datasets || []);
    const hasLow = datasets.some((d) => d.style === "band-low");
    let muted = 0;
    const styled = datasets.map((d, i) => styleDataset(d, i, chart.type, c, hasLow, d.style === "muted" ? muted++ : 0));
    (extra || []).forEach((d) => styled.push(d));
    const doughnut = chart.type === "doughnut";
    return {
      type: chart.type,
      data: { labels: (chart.labels || []).slice(), datasets: styled },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        // D17: every line's value is readable at any point, side by side in one tooltip.
        interaction: doughnut ? { mode: "nearest", intersect: true } : { mode: "index", intersect: false },
        plugins: {
          legend: { display: doughnut || styled.length > 1, labels: { color: c.text, boxWidth: 12 } },
        },
        scales: doughnut
          ? {}
          : {
              x: { ticks: { color: c.text }, grid: { color: c.grid } },
              y: { ticks: { color: c.text }, grid: { color: c.grid }, beginAtZero: true },
            },
        onClick: function (event, elements, instance) {
          const hit = instance.getElementsAtEventForMode(event, "nearest", { intersect: true }, true)[0];
          if (!hit) return;
          const links = instance.data.datasets[hit.datasetIndex]._links;
          const href = safeLink(links && links[hit.index]);
          if (href) window.location.assign(href);
        },
        onHover: function (event, elements, instance) {
          const hit = elements && elements[0];
          const links = hit && instance.data.datasets[hit.datasetIndex]._links;
          event.native.target.style.cursor = hit && safeLink(links && links[hit.index]) ? "pointer" : "default";
        },
      },
    };
  }

  function canvasFor(container, label) {
    const area = el("div", "chart-area");
    const canvas = el("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", label);
    area.appendChild(canvas);
    container.appendChild(area);
    return canvas;
  }

  // The same figures as a table of links: the keyboard's and the screen reader's way into a chart.
  function figuresTable(chart, strings) {
    const details = el("details", "widget-figures");
    details.appendChild(el("summary", null, strings.data_table));
    const table = el("table", "list");
    const head = el("tr");
    head.appendChild(el("th", null, ""));
    (chart.datasets || []).forEach((d) => head.appendChild(el("th", null, d.label || "")));
    const thead = el("thead");
    thead.appendChild(head);
    table.appendChild(thead);
    const tbody = el("tbody");
    (chart.labels || []).forEach((label, i) => {
      const tr = el("tr");
      tr.appendChild(el("th", null, label));
      (chart.datasets || []).forEach((d) => {
        const td = el("td");
        td.appendChild(linkOrText(d.links && d.links[i], null, display((d.data || [])[i])));
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    details.appendChild(table);
    return details;
  }

  function renderChart(body, data, ctx) {
    const chart = data.chart;
    if (!chart || !(chart.labels || []).length) {
      if (data.rows && data.rows.length) return renderList(body, data, ctx);
      return empty(body, ctx.strings);
    }
    if (typeof window.Chart !== "function") return renderList(body, data, ctx);
    const c = colours(body);
    const frozen = ctx.baseline && ctx.baseline.data && ctx.baseline.data.chart;
    const beside = frozen && (ctx.compare === "beside" || chart.type === "doughnut" || frozen.type === "doughnut");
    const holder = el("div", "chart-holder" + (beside ? " chart-beside" : ""));
    body.appendChild(holder);
    const extra = [];
    if (frozen && !beside) {
      alignBaseline(chart.labels || [], frozen).forEach((d) => {
        extra.push({
          label: ctx.baseline.name + " · " + d.label,
          data: d.data,
          _links: null,
          type: "line",
          borderColor: c.baseline,
          backgroundColor: c.baseline,
          borderDash: [6, 4],
          pointRadius: 2,
          fill: false,
        });
      });
    }
    const made = [new window.Chart(canvasFor(holder, data.title || ""), chartConfig(chart, c, extra))];
    if (beside) {
      const side = el("figure", "chart-baseline");
      holder.appendChild(side);
      const caption = el("figcaption", "muted", ctx.strings.baseline + ": " + ctx.baseline.name);
      const period = ctx.baseline.period && ctx.baseline.period.label;
      if (period && ctx.baseline.name.indexOf(period) < 0) caption.textContent += " (" + period + ")";
      side.appendChild(caption);
      // Same colours as the live chart, so each series reads against its twin; no links, since
      // the lists show today's records, not the frozen ones.
      const frozenCopy = Object.assign({}, frozen, {
        datasets: (frozen.datasets || []).map((d) => Object.assign({}, d, { links: null })),
      });
      made.push(new window.Chart(canvasFor(side, caption.textContent), chartConfig(frozenCopy, c, [])));
    }
    body.appendChild(figuresTable(chart, ctx.strings));
    return made;
  }

  // Draws `data` into `body` in the chosen view; returns the Chart objects made, to destroy later.
  function render(body, view, data, ctx) {
    body.replaceChildren();
    let made;
    if (view === "chart") made = renderChart(body, data, ctx);
    else if (view === "list") renderList(body, data, ctx);
    else renderNumber(body, data, ctx);
    return Array.isArray(made) ? made : [];
  }

  window.RapportWidgets = { render: render, el: el, safeLink: safeLink };
})();
