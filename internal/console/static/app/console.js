// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // A form sent once is not sent again by a second click while the page loads; the
  // server also makes a repeated submission harmless (idempotency keys).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
  });
  // Buttons that print the page (no inline script: the CSP forbids it).
  document.querySelectorAll("[data-cep-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
