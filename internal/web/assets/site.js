// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary, so a screen reader reads it first and
  // a keyboard user starts from its links (GOV.UK Frontend's pattern).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // A link of an error summary to a field gives the field the focus and
  // scrolls what names it (its group's legend, or its label) into view
  // above it when both fit in the window, as GOV.UK Frontend does: the
  // browser alone would scroll the field to the window's top edge, its
  // question out of sight. (Without this script the style sheet keeps
  // some room above a field reached by a link: scroll-margin-top.)
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field || !/^(INPUT|TEXTAREA|SELECT)$/.test(field.tagName)) {
      return;
    }
    var group = (field.type === "radio" || field.type === "checkbox") && field.closest("fieldset");
    var name = group ? group.querySelector("legend") : field.labels && field.labels[0];
    event.preventDefault();
    if (name && field.getBoundingClientRect().bottom - name.getBoundingClientRect().top < window.innerHeight) {
      name.scrollIntoView();
    } else {
      field.scrollIntoView();
    }
    field.focus({ preventScroll: true });
  });

  // Autosave of the review form (data-autosave): every 30 seconds, when
  // the form has changed, it is posted as its "Save draft" button posts
  // it, in the background. Without this script the button does the same.
  var form = document.querySelector("form[data-autosave]");
  if (form && window.fetch && window.FormData && window.URLSearchParams) {
    var status = form.querySelector("[data-autosave-status]");
    var changed = false, sending = null, leaving = false, waited = false;
    var show = function (attr) {
      if (status) {
        status.textContent = form.getAttribute(attr) || "";
      }
    };
    var mark = function () { changed = true; };
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
    // A submission saves or deletes the draft itself: an autosave racing
    // it could bring back a draft of a review already sent. So no autosave
    // starts once the form is sent, and one already on its way is waited
    // for before the form goes (sent again with the same button).
    form.addEventListener("submit", function (event) {
      leaving = true;
      if (sending && !waited && form.requestSubmit) {
        event.preventDefault();
        waited = true;
        var submitter = event.submitter || null;
        sending.then(function () { form.requestSubmit(submitter); });
      }
    });
    window.setInterval(function () {
      if (!changed || sending || leaving) {
        return;
      }
      var body = new URLSearchParams(new FormData(form));
      body.set("action", "draft");
      changed = false;
      sending = window.fetch(form.getAttribute("action"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        redirect: "error",
        headers: { "X-Registry-Autosave": "1" }
      }).then(function (response) {
        sending = null;
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        show("data-autosave-saved");
      }).catch(function () {
        sending = null;
        changed = true;
        show("data-autosave-failed");
      });
    }, 30000);
  }
})();
