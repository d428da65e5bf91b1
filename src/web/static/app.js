/* owed's little JavaScript: everything works without it; with it, lists filter as you type
 * and the review queue takes the keyboard. No framework, no build step. */
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  /* <input data-filter="TABLE_ID">: hides the rows of that table not containing the text. */
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.dataset.filter);
    if (!table) return;
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        tr.hidden = q !== "" && tr.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
  /* A form with data-confirm asks before it is sent. */
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
  /* Keyboard for lists marked data-keys: j/k move, Enter opens or submits the selected
   * row's first form button marked data-key-enter, x its data-key-x button. */
  document.querySelectorAll("table[data-keys]").forEach(function (table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    if (!rows.length) return;
    var at = 0;
    function select(i) {
      rows[at].classList.remove("selected");
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows[at].classList.add("selected");
      rows[at].scrollIntoView({block: "nearest"});
    }
    select(0);
    document.addEventListener("keydown", function (e) {
      var t = e.target.tagName;
      if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "j") select(at + 1);
      else if (e.key === "k") select(at - 1);
      else if (e.key === "Enter" || e.key === "x") {
        var b = rows[at].querySelector(e.key === "x" ? "[data-key-x]" : "[data-key-enter]");
        if (b) { e.preventDefault(); b.click(); }
      }
    });
  });
});
