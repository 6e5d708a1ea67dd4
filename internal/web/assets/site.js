// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary, so a screen reader reads it first and
  // a keyboard user starts from its links (GOV.UK Frontend's pattern).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
