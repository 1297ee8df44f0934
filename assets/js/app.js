// The one script every page loads: htmx (as the global `htmx`) and Bootstrap's components
// (as the global `bootstrap`; Popper is bundled with them). Built by scripts/build-assets.mjs.
import htmx from "htmx.org";
import * as bootstrap from "bootstrap";

window.htmx = htmx;
window.bootstrap = bootstrap;

// Fragments marked `data-quiet-errors` are optional extras (e.g. the unread-messages badge):
// when their request fails, the placeholder is removed and the page carries on unchanged.
document.addEventListener("htmx:responseError", (event) => {
  const elt = event.detail && event.detail.elt;
  if (elt && elt.hasAttribute && elt.hasAttribute("data-quiet-errors")) {
    elt.remove();
  }
});
document.addEventListener("htmx:sendError", (event) => {
  const elt = event.detail && event.detail.elt;
  if (elt && elt.hasAttribute && elt.hasAttribute("data-quiet-errors")) {
    elt.remove();
  }
});
