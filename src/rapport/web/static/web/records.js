// Record lists: row selection for bulk actions, and live refresh of the table when records of
// the listed type change (window.rapportLive comes from live.js when the page has a stream).
(function () {
  "use strict";

  function selectedBoxes() {
    return Array.from(document.querySelectorAll("input[data-row-select]:checked"));
  }

  function updateBulkBar() {
    const bar = document.querySelector("[data-bulk-form]");
    if (!bar) return;
    const count = selectedBoxes().length;
    const label = bar.querySelector("[data-bulk-count]");
    bar.classList.toggle("has-selection", count > 0);
    if (label) {
      label.textContent = count > 0
        ? (count === 1 ? label.dataset.selectedOne : label.dataset.selectedMany.replace("__n__", String(count)))
        : (label.dataset.emptyText || label.textContent);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const label = document.querySelector("[data-bulk-count]");
    if (label) label.dataset.emptyText = label.textContent;
  });

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches && target.matches("input[data-select-all]")) {
      document.querySelectorAll("input[data-row-select]").forEach((box) => { box.checked = target.checked; });
    }
    if (target.matches && target.matches("input[data-row-select], input[data-select-all]")) updateBulkBar();
  });

  // Filters change the URL without reloading the page (htmx pushes it): forms that save "the list
  // as shown" and the bulk form's way back take the current query, not the one the page loaded with.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches) return;
    const query = window.location.search.replace(/^\?/, "");
    if (form.matches("[data-keeps-query]")) {
      const input = form.querySelector("input[name=query]");
      if (input) input.value = query;
    }
    if (form.matches("[data-bulk-form]")) {
      const next = form.querySelector("input[name=next]");
      if (next) next.value = window.location.pathname + (query ? "?" + query : "");
    }
  }, true);

  // A bulk action with no rows chosen would only come back with an error: say so at once.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches && form.matches("[data-bulk-form]") && selectedBoxes().length === 0) {
      event.preventDefault();
      const label = form.querySelector("[data-bulk-count]");
      if (label) { label.textContent = label.dataset.emptyText; label.focus && label.focus(); }
    }
  });

  document.addEventListener("htmx:afterSwap", updateBulkBar);

  // Leave empty filters out of the request, so the address bar reads like an API query.
  document.addEventListener("htmx:configRequest", (event) => {
    if (!event.detail.elt || event.detail.elt.id !== "filter-form") return;
    const params = event.detail.parameters;
    for (const key of Array.from(new Set(Object.keys(params)))) {
      if (params[key] === "") delete params[key];
    }
  });

  // Live updates: re-fetch the table when a change of this record type is committed. While the
  // member has rows selected the refresh waits, so their selection is not thrown away.
  let pending = false;
  let timer = null;

  function refresh() {
    const results = document.getElementById("records-results");
    if (!results || !window.htmx) return;
    if (selectedBoxes().length > 0) { pending = true; return; }
    pending = false;
    window.htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#records-results", swap: "outerHTML" });
  }

  function onChange(change) {
    const results = document.getElementById("records-results");
    if (!results || !change) return;
    // "*" comes after the stream reconnects: changes may have been missed, so refresh anyway.
    if (change.object_type !== results.dataset.recordType && change.object_type !== "*") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  document.addEventListener("change", (event) => {
    if (pending && event.target.matches && event.target.matches("input[data-row-select]") && selectedBoxes().length === 0) refresh();
  });

  function subscribe() {
    if (window.rapportLive && typeof window.rapportLive.subscribe === "function") {
      window.rapportLive.subscribe(onChange);
      return true;
    }
    return false;
  }

  if (!subscribe()) document.addEventListener("DOMContentLoaded", subscribe, { once: true });
})();
