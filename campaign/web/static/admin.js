// The console works without this file. With it: the letter preview follows the typing.
"use strict";

(function () {
  function setUpLivePreview() {
    var source = document.getElementById("source");
    var form = document.getElementById("letter-form");
    if (!source || !form || !source.dataset.previewUrl) { return; }
    var office = document.getElementById("office");
    var timer = null;
    var sent = 0;

    function show(answer) {
      var errorBox = document.getElementById("preview-error");
      var letter = document.getElementById("preview-letter");
      if (answer.error) {
        var list = errorBox.querySelector("ul");
        list.textContent = "";
        answer.error.forEach(function (line) {
          var item = document.createElement("li");
          item.textContent = line;
          list.appendChild(item);
        });
        errorBox.hidden = false;
        return;
      }
      errorBox.hidden = true;
      letter.hidden = false;
      document.getElementById("preview-subject").textContent = answer.subject;
      document.getElementById("preview-text").textContent = answer.text;
      document.getElementById("preview-office").textContent = answer.office;
      var address = document.getElementById("preview-address");
      address.textContent = "";
      answer.address.forEach(function (line) {
        var span = document.createElement("span");
        span.textContent = line;
        address.appendChild(span);
      });
    }

    function update() {
      var number = ++sent;
      var data = new FormData(form);
      data.delete("action");
      fetch(source.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          if (response.status !== 200 && response.status !== 400) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (answer) { if (number === sent) { show(answer); } })
        .catch(function () { /* the Preview button still works */ });
    }

    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 400);
    }
    source.addEventListener("input", later);
    if (office) { office.addEventListener("change", update); }
  }

  function focusProblems() {
    var box = document.querySelector("#conflict, #problems, #save-error, #sign-in-error");
    if (box) { box.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpLivePreview();
    focusProblems();
  });
})();
