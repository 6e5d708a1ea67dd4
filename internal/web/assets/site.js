// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary, so a screen reader reads it first and
  // a keyboard user starts from its links (GOV.UK Frontend's pattern).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // Autosave of the review form (data-autosave): every 30 seconds, when
  // the form has changed, it is posted as its "Save draft" button posts
  // it, in the background. Without this script the button does the same.
  var form = document.querySelector("form[data-autosave]");
  if (form && window.fetch && window.FormData && window.URLSearchParams) {
    var status = form.querySelector("[data-autosave-status]");
    var changed = false, sending = false, leaving = false;
    var show = function (attr) {
      if (status) {
        status.textContent = form.getAttribute(attr) || "";
      }
    };
    var mark = function () { changed = true; };
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
    // A submission saves or deletes the draft itself: an autosave racing
    // it could bring back a draft of a review already sent.
    form.addEventListener("submit", function () { leaving = true; });
    window.setInterval(function () {
      if (!changed || sending || leaving) {
        return;
      }
      var body = new URLSearchParams(new FormData(form));
      body.set("action", "draft");
      changed = false;
      sending = true;
      window.fetch(form.getAttribute("action"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        redirect: "error",
        headers: { "X-Registry-Autosave": "1" }
      }).then(function (response) {
        sending = false;
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        show("data-autosave-saved");
      }).catch(function () {
        sending = false;
        changed = true;
        show("data-autosave-failed");
      });
    }, 30000);
  }
})();
