// Live updates (SPEC X3): one EventSource per page on /stream/, reconnecting, shared by every
// feature of the page through window.rapportLive.subscribe(fn).
//
// fn receives each committed change as {object_type, object_id, event_type, field}; only ids and
// types travel, so a page re-fetches what it shows through its own views. After the stream
// reconnects, changes made meanwhile are unknown: fn then receives
// {object_type: "*", object_id: null, event_type: "reconnected", field: ""} and should refresh
// everything it shows. Each change is also dispatched on document.body as a "rapport:change"
// DOM event, so htmx elements can use hx-trigger="rapport:change from:body".
(() => {
  if (window.rapportLive) return;
  const listeners = new Set();
  let source = null;
  let everOpen = false;
  let wasDown = false;
  let retryDelay = 1000;
  let retryTimer = null;

  function notify(change) {
    for (const fn of [...listeners]) {
      try {
        fn(change);
      } catch (error) {
        console.error("rapportLive listener failed", error);
      }
    }
    document.body.dispatchEvent(new CustomEvent("rapport:change", { detail: change }));
  }

  function connect() {
    retryTimer = null;
    source = new EventSource("/stream/");
    source.addEventListener("open", () => {
      retryDelay = 1000;
      if (everOpen && wasDown) notify({ object_type: "*", object_id: null, event_type: "reconnected", field: "" });
      everOpen = true;
      wasDown = false;
      document.documentElement.dataset.live = "on";
    });
    source.addEventListener("change", (message) => {
      let change;
      try {
        change = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      notify(change);
    });
    source.addEventListener("end", () => {
      // The server ended the stream on purpose (signed out, membership ended): stay closed.
      source.close();
      document.documentElement.dataset.live = "off";
    });
    source.addEventListener("error", () => {
      wasDown = true;
      document.documentElement.dataset.live = "off";
      // The browser retries by itself while readyState is CONNECTING; once CLOSED (an error
      // status, a server without streaming) it gives up, so retry here with a growing delay.
      if (source.readyState === EventSource.CLOSED && !retryTimer) {
        retryTimer = setTimeout(connect, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 60000);
      }
    });
  }

  window.rapportLive = {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    get connected() {
      return !!source && source.readyState === EventSource.OPEN;
    },
  };
  window.addEventListener("pagehide", () => source && source.close());
  window.addEventListener("pageshow", (event) => {
    // Back from the browser's page cache: the stream was closed on leaving, so reopen it.
    if (event.persisted) {
      wasDown = true;
      connect();
    }
  });
  connect();
})();
