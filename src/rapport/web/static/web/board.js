// The deals board: drag and drop between stages (SortableJS), won / lost drop zones, the
// keyboard "move to" form on each card, and live refresh of columns and cards (rapportLive).
(() => {
  const board = document.getElementById("board");
  if (!board) return;
  const status = document.getElementById("board-status");
  const dialog = document.getElementById("lost-dialog");
  const query = board.dataset.query;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const pending = new Set();
  let dragging = false;
  let asking = false;
  let fullRefresh = false;
  let timer = null;

  const withQuery = (url) => url + (query ? (url.includes("?") ? "&" : "?") + query : "");
  const actionUrl = (kind, dealId) => withQuery(board.dataset[kind + "Url"].replace("/0/", `/${dealId}/`));
  const cardsOf = (stageId) => document.getElementById(`stage-${stageId}-cards`);

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("is-error", !!isError);
    status.setAttribute("role", isError ? "alert" : "status");
  }

  function placeCard(dealId, card) {
    const existing = board.querySelector(`.board-cards [data-deal-id="${dealId}"].deal-card`);
    const target = card ? cardsOf(card.stage) : null;
    if (!target) {
      existing?.remove();
      return null;
    }
    const template = document.createElement("template");
    template.innerHTML = card.html.trim();
    const fresh = template.content.firstElementChild;
    if (existing && existing.parentElement === target) {
      existing.replaceWith(fresh);
    } else {
      existing?.remove();
      target.querySelector(".board-empty, .board-loading")?.remove();
      // Cards are ordered by last change, so a card that just changed goes first.
      target.prepend(fresh);
    }
    return fresh;
  }

  function applyRefresh(payload) {
    for (const [stageId, html] of Object.entries(payload.columns || {})) {
      const stats = document.getElementById(`stage-${stageId}-stats`);
      if (stats) stats.innerHTML = html;
    }
    for (const [dealId, card] of Object.entries(payload.cards || {})) placeCard(dealId, card);
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      body: new URLSearchParams(data),
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
      credentials: "same-origin",
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch (error) {
      payload = null;
    }
    return { ok: response.ok, status: response.status, payload };
  }

  // Run one action on a card; on refusal call putBack and say why.
  async function act(kind, card, data, putBack) {
    const dealId = card.dataset.dealId;
    let result;
    // Until the answer (and the card's new version) is in, the card cannot be dragged again.
    card.classList.add("is-saving");
    try {
      result = await post(actionUrl(kind, dealId), { version: card.dataset.version, ...data });
    } catch (error) {
      putBack();
      say(board.dataset.msgNetwork, true);
      return false;
    } finally {
      card.classList.remove("is-saving");
    }
    if (result.ok) {
      applyRefresh(result.payload);
      say({ move: board.dataset.msgMoved, won: board.dataset.msgWon, lost: board.dataset.msgLost }[kind] || "", false);
      return true;
    }
    putBack();
    const detail = (result.payload && result.payload.detail) || `HTTP ${result.status}`;
    say(`${board.dataset.msgRefused} ${detail}`, true);
    // A stale or vanished card is re-read, so what the board shows is true again.
    pending.add(dealId);
    schedule();
    return false;
  }

  function askReason(card) {
    return new Promise((resolve) => {
      const form = document.getElementById("lost-form");
      const reason = document.getElementById("lost-reason");
      const error = document.getElementById("lost-error");
      document.getElementById("lost-deal-name").textContent = card.dataset.name || "";
      reason.value = "";
      error.textContent = "";
      asking = true;
      const finish = (value) => {
        form.removeEventListener("submit", onSubmit);
        cancel.removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        asking = false;
        resolve(value);
        flush();
      };
      const onSubmit = (event) => {
        event.preventDefault();
        const text = reason.value.trim();
        if (!text) {
          error.textContent = board.dataset.msgReason;
          reason.focus();
          return;
        }
        finish(text);
      };
      const onCancel = (event) => {
        event.preventDefault();
        finish(null);
      };
      const cancel = document.getElementById("lost-cancel");
      form.addEventListener("submit", onSubmit);
      cancel.addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
      reason.focus();
    });
  }

  async function outcome(kind, card, putBack) {
    if (kind === "won") return act("won", card, {}, putBack);
    const reason = await askReason(card);
    if (reason === null) {
      putBack();
      return false;
    }
    return act("lost", card, { reason }, putBack);
  }

  async function onDrop(event) {
    dragging = false;
    const { item, from, to } = event;
    if (to === from) return flush();
    const putBack = () => from.insertBefore(item, from.children[event.oldIndex] || null);
    if (to.dataset.outcome) {
      const done = await outcome(to.dataset.outcome, item, putBack);
      if (done) item.remove();
    } else {
      await act("move", item, { stage: to.dataset.stageId }, putBack);
    }
    flush();
  }

  const sortableOptions = {
    group: { name: "deals", pull: true, put: true },
    draggable: ".deal-card",
    filter: "select, button, input, textarea, label, .is-saving",
    preventOnFilter: false,
    sort: false,
    animation: 120,
    // Pointer events rather than native drag and drop: the same on mouse, touch and pen.
    forceFallback: true,
    fallbackTolerance: 4,
    ghostClass: "deal-card-ghost",
    chosenClass: "deal-card-chosen",
    onStart: () => {
      dragging = true;
      board.classList.add("is-dragging");
    },
    onEnd: (event) => {
      board.classList.remove("is-dragging");
      onDrop(event);
    },
  };
  for (const list of board.querySelectorAll(".board-cards")) Sortable.create(list, sortableOptions);
  for (const zone of board.querySelectorAll(".drop-zone")) {
    Sortable.create(zone, { group: { name: "deals", pull: false, put: true }, draggable: ".deal-card", sort: false });
  }

  // The keyboard way: the "move to" form on each card.
  board.addEventListener("submit", async (event) => {
    const form = event.target.closest(".card-move");
    if (!form) return;
    event.preventDefault();
    const card = form.closest(".deal-card");
    const dealId = card.dataset.dealId;
    const destination = form.elements.namedItem("destination").value;
    if (destination === card.dataset.stageId) return;
    const nothing = () => {};
    const done = destination === "won" || destination === "lost"
      ? await outcome(destination, card, nothing)
      : await act("move", card, { stage: destination }, nothing);
    if (done && (destination === "won" || destination === "lost")) card.remove();
    // Keep the keyboard where it was: on the moved card's form, or the status line.
    const moved = document.getElementById(`move-${dealId}`);
    if (moved) moved.focus();
    else status.focus();
  });

  // Infinite scroll: nearing the end of a column's cards asks for its next page. (Scroll events
  // do not bubble, hence the capturing listener.)
  board.addEventListener(
    "scroll",
    (event) => {
      const list = event.target;
      if (!list.classList || !list.classList.contains("board-cards")) return;
      if (list.scrollTop + list.clientHeight < list.scrollHeight - 120) return;
      const more = document.querySelector(`#stage-${list.dataset.stageId}-more .load-more`);
      if (more && !more.classList.contains("htmx-request")) more.click();
    },
    true,
  );

  // Cards loaded by "load more" may already be on the board after a live change: keep one.
  document.body.addEventListener("htmx:afterSwap", () => {
    const seen = new Set();
    for (const card of board.querySelectorAll(".board-cards .deal-card")) {
      if (seen.has(card.dataset.dealId)) card.remove();
      else seen.add(card.dataset.dealId);
    }
  });

  function schedule() {
    if (!timer) timer = setTimeout(flush, 100);
  }

  async function flush() {
    clearTimeout(timer);
    timer = null;
    // Never rearrange cards under a drag or an open question; onEnd and the dialog call back.
    if (dragging || asking) return;
    const full = fullRefresh;
    if (full) {
      fullRefresh = false;
      pending.clear();
      for (const list of board.querySelectorAll(".board-cards")) {
        htmx.ajax("GET", list.getAttribute("hx-get"), { target: list, swap: "innerHTML" });
      }
    }
    const ids = [...pending];
    pending.clear();
    if (!ids.length && !full) return;
    const url = withQuery(board.dataset.refreshUrl + "?ids=" + ids.join(","));
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) applyRefresh(await response.json());
    } catch (error) {
      // The next change or reconnection refreshes again.
    }
  }

  window.rapportLive?.subscribe((change) => {
    if (change.event_type === "reconnected" || change.object_type === "pipeline" || change.object_type === "stage") {
      fullRefresh = true;
    } else if (change.object_type === "deal") {
      pending.add(String(change.object_id));
    } else {
      return;
    }
    schedule();
  });
})();
