// The inquiry form: "Add a question" appends a blank question-and-answer row (the form
// offers a fixed number of rows without JavaScript).
(function () {
  "use strict";
  var button = document.getElementById("qa-add");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var rows = document.querySelectorAll("#qa-rows .qa-row");
    var last = rows[rows.length - 1];
    var row = last.cloneNode(true);
    var n = rows.length;
    row.querySelectorAll("textarea").forEach(function (area) {
      var part = area.name.split(".")[2];
      area.name = "qa." + n + "." + part;
      area.id = "r-qa-" + n + "-" + part;
      area.value = "";
    });
    row.querySelectorAll("label").forEach(function (label, index) {
      var part = index === 0 ? "q" : "a";
      label.htmlFor = "r-qa-" + n + "-" + part;
      label.textContent = button.dataset[part === "q" ? "question" : "answer"].replace("N", n + 1);
    });
    row.querySelectorAll(".error").forEach(function (e) { e.remove(); });
    last.after(row);
  });
}());
