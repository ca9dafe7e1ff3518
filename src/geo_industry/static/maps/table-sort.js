// Sorts every table.gi-sortable by a click on a column heading's button: numbers (th[data-type=number])
// numerically, text in the page language's order; cells without a key (td[data-key=""]) sort last.
// An external file, so the pages' Content-Security-Policy needs no hash for it; works over file://.
(function () {
  "use strict";
  function sortBy(table, index, numeric, descending) {
    var body = table.tBodies[0];
    var collator = new Intl.Collator(document.documentElement.lang || undefined, {numeric: true, sensitivity: "base"});
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-key") || "";
      var y = b.cells[index].getAttribute("data-key") || "";
      if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }
      var order = numeric ? parseFloat(x) - parseFloat(y) : collator.compare(x, y);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  function init(table) {
    var headings = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headings, function (th, index) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var descending = th.getAttribute("aria-sort") === "ascending";
        Array.prototype.forEach.call(headings, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        sortBy(table, index, th.getAttribute("data-type") === "number", descending);
      });
    });
    table.setAttribute("data-sortable-ready", "true");
  }
  document.querySelectorAll("table.gi-sortable").forEach(init);
}());
