// Search: keyboard use of the layout's live suggestions, and live refresh of the results page.
(() => {
  const input = document.getElementById("global-search-input");
  const box = document.getElementById("global-search-suggestions");
  if (input && box) {
    const links = () => Array.from(box.querySelectorAll("a"));
    const close = () => box.replaceChildren();

    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" && links().length) {
        event.preventDefault();
        links()[0].focus();
      } else if (event.key === "Escape") {
        close();
      }
    });
    box.addEventListener("keydown", (event) => {
      const all = links();
      const at = all.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at < all.length - 1) {
        event.preventDefault();
        all[at + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (at > 0 ? all[at - 1] : input).focus();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
        input.focus();
      }
    });
    // Too short to search: clear at once rather than wait for the server's empty answer.
    input.addEventListener("input", () => {
      if (input.value.trim().length < 2) close();
    });
    document.addEventListener("click", (event) => {
      if (!input.form.contains(event.target)) close();
    });
    document.addEventListener("focusin", (event) => {
      if (!input.form.contains(event.target)) close();
    });
  }

  // On the results page, a change made elsewhere refreshes the results (at most once a second).
  const results = document.getElementById("search-results");
  if (!results) return;
  let timer = null;
  const refresh = () => {
    timer = null;
    if (window.htmx && new URLSearchParams(window.location.search).get("q")) {
      window.htmx.ajax("GET", window.location.pathname + window.location.search, { target: "#search-results", swap: "innerHTML" });
    }
  };
  window.addEventListener("load", () => {
    if (window.rapportLive) {
      const searched = new Set(["account", "contact", "lead", "deal", "activity", "*"]);
      window.rapportLive.subscribe((change) => {
        if (searched.has(change.object_type) && !timer) timer = window.setTimeout(refresh, 1000);
      });
    }
  });
})();
