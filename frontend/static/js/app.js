// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary so screen-reader and keyboard users hear it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  // Ask before destructive actions (the server still checks everything).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  // Running jobs: refresh their status cell every two seconds until they finish.
  function poll(cell) {
    window.setTimeout(function () {
      fetch(cell.getAttribute("data-poll"), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          cell.innerHTML = html;
          if (!cell.querySelector("[data-finished]")) { poll(cell); }
        })
        .catch(function () { poll(cell); });
    }, 2000);
  }
  document.querySelectorAll("[data-poll]").forEach(poll);
})();
