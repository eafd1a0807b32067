/* The console's only script (served from this site; the CSP allows no inline scripts).
   - task board: arrow keys move between cards, space toggles a card's selection;
   - case export: polls the export job and fills the progress bar;
   - next step of a case: shows only the inputs of the chosen step (without the script every
     input is shown, and the server ignores those the step does not use). */
(function () {
  "use strict";

  function boardKeys(board) {
    board.addEventListener("keydown", function (event) {
      var card = event.target.closest(".card");
      if (!card) { return; }
      var columns = Array.prototype.slice.call(board.querySelectorAll(".column"));
      var column = card.closest(".column");
      var cards = Array.prototype.slice.call(column.querySelectorAll(".card"));
      var index = cards.indexOf(card);
      var target = null;
      if (event.key === "ArrowDown") { target = cards[index + 1]; }
      else if (event.key === "ArrowUp") { target = cards[index - 1]; }
      else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
        var step = event.key === "ArrowRight" ? 1 : -1;
        for (var c = columns.indexOf(column) + step; c >= 0 && c < columns.length; c += step) {
          var others = columns[c].querySelectorAll(".card");
          if (others.length) { target = others[Math.min(index, others.length - 1)]; break; }
        }
      } else if (event.key === " " && event.target === card) {
        var box = card.querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; event.preventDefault(); }
        return;
      } else if (event.key === "Enter" && event.target === card) {
        var link = card.querySelector("a");
        if (link) { link.click(); }
        return;
      }
      if (target) { target.focus(); event.preventDefault(); }
    });
  }

  function pollExport(bar) {
    var url = bar.getAttribute("data-status-url");
    var status = document.getElementById("export-status");
    var link = document.getElementById("export-download");
    function tick() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (job) {
          bar.value = Math.round((job.progress || 0) * 100);
          status.textContent = job.status_text;
          if (job.status === "done") {
            link.hidden = false;
          } else if (job.status !== "failed") {
            setTimeout(tick, 700);
          }
        })
        .catch(function () { setTimeout(tick, 2000); });
    }
    tick();
  }

  function stepInputs(form) {
    var choice = form.querySelector("select[name=to]");
    function show() {
      form.querySelectorAll("[data-steps]").forEach(function (group) {
        var used = group.getAttribute("data-steps").split(" ").indexOf(choice.value) >= 0;
        group.hidden = !used;
        // hidden inputs are not sent: a value typed for another step cannot refuse this one
        group.querySelectorAll("input, select, textarea").forEach(function (input) {
          input.disabled = !used;
        });
      });
    }
    choice.addEventListener("change", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var steps = document.getElementById("step-form");
    if (steps) { stepInputs(steps); }
    var board = document.querySelector(".board");
    if (board) { boardKeys(board); }
    var bar = document.getElementById("export-progress");
    if (bar) { pollExport(bar); }
  });
})();
