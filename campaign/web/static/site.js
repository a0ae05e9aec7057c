// Progressive enhancement only: the whole journey works without this file.
// Copy buttons, focus on the error summary, and links that follow the edits as you type.
"use strict";

(function () {
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var done = document.execCommand("copy");
    document.body.removeChild(area);
    return done ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function setUpCopyButtons() {
    var buttons = document.querySelectorAll(".copy-button[data-copy]");
    buttons.forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        var status = button.closest(".channel").querySelector(".copy-status");
        copyText(source ? source.textContent : "").then(
          function () { status.textContent = document.documentElement.dataset.copied || "Copied."; },
          function () { status.textContent = document.documentElement.dataset.copyFailed || "Could not copy."; }
        );
      });
    });
  }

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  function updateCard(officeId, drafts) {
    var card = document.getElementById("card-" + officeId);
    if (!card) { return; }
    var mailto = document.getElementById("mailto-" + officeId);
    var tooLong = document.getElementById("too-long-" + officeId);
    if (mailto) {
      mailto.href = drafts.mailto || "";
      mailto.parentNode.hidden = !drafts.mailto;
      if (tooLong) { tooLong.hidden = !!drafts.mailto; }
    }
    card.querySelectorAll(".webmail-link").forEach(function (link) {
      var href = drafts.webmail[link.getAttribute("data-kind")];
      if (href) { link.href = href; }
      link.hidden = !href;
    });
    var subject = document.getElementById("copy-subject-" + officeId);
    var body = document.getElementById("copy-body-" + officeId);
    if (subject) { subject.textContent = drafts.copy.subject; }
    if (body) { body.textContent = drafts.copy.body; }
  }

  function setUpLiveLinks() {
    var form = document.getElementById("letters-form");
    if (!form || !window.fetch) { return; }
    var url = form.getAttribute("data-links-url");
    var timer = null;
    form.addEventListener("input", function (event) {
      if (!event.target.matches(".subject-input, .body-input")) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) {
            if (!data) { return; }
            Object.keys(data).forEach(function (officeId) { updateCard(officeId, data[officeId]); });
          })
          .catch(function () { /* the "Update" buttons still work */ });
      }, 500);
    });
  }

  // The note that a personal letter carries more weight is about the template's text: once
  // the supporter changes the letter, it no longer applies (the next preview leaves it out).
  function setUpNudges() {
    document.querySelectorAll(".card .body-input").forEach(function (body) {
      var card = body.closest(".card");
      var nudge = card && document.getElementById("nudge-" + card.getAttribute("data-office"));
      if (!nudge) { return; }
      var original = body.value;
      body.addEventListener("input", function () { nudge.hidden = body.value !== original; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons();
    focusErrorSummary();
    setUpLiveLinks();
    setUpNudges();
  });
})();
