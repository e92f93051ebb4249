// Small behaviours shared by every page; feature scripts live beside their templates.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const message = status === 403 ? "You may not do that." : status === 404 ? "That record is gone or hidden from you." : "The change could not be saved.";
  window.alert(message);
});
