// Usage heartbeat (SPEC D14): while this window is focused, visible and online, tell the server
// every 30 seconds that the member is using the app; a blurred, hidden or offline window is silent.
(function () {
  "use strict";

  const URL = "/api/v1/intake/usage/heartbeat";
  const EVERY = 30000;
  let timer = null;
  let refused = false;

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function active() {
    return !refused && navigator.onLine && document.visibilityState === "visible" && document.hasFocus();
  }

  function stop() {
    window.clearInterval(timer);
    timer = null;
  }

  // Each heartbeat vouches for the 30 seconds before it, so the first one goes out 30 s after focus.
  function beat() {
    if (!active()) return stop();
    fetch(URL, { method: "POST", credentials: "same-origin", keepalive: true, headers: { Accept: "application/json", "X-CSRFToken": csrfToken() } })
      .then((response) => {
        // Signed out or no longer a member: nothing more to count on this page.
        if (response.status === 401 || response.status === 403) {
          refused = true;
          stop();
        }
      })
      .catch(() => {});
  }

  function start() {
    if (timer === null && active()) timer = window.setInterval(beat, EVERY);
  }

  window.addEventListener("focus", start);
  window.addEventListener("blur", stop);
  window.addEventListener("online", start);
  window.addEventListener("offline", stop);
  document.addEventListener("visibilitychange", () => (document.visibilityState === "visible" ? start() : stop()));
  window.rapportUsage = { running: () => timer !== null };
  start();
})();
