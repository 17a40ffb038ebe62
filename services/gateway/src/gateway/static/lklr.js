/* LKLR: the site's only script, a progressive enhancement (every page works without it).
 *
 * - Data tables of more than three columns get their column header on each cell (data-label) and the class
 *   "stacks": below 600 px wide the stylesheet shows their rows as stacked cards, each value under its label.
 *   Without the script such a table scrolls inside its own box; the page never scrolls sideways.
 * - A table box that still scrolls sideways (a wide table on a narrow screen) becomes a named, focusable region,
 *   so keyboard users can scroll it too (WCAG 2.1.1).
 */
(function () {
  "use strict";

  function labelCells(table) {
    var names = [];
    var heads = table.tHead ? table.tHead.rows[0] : null;
    if (!heads || heads.cells.length <= 3) return;
    Array.prototype.forEach.call(heads.cells, function (cell) {
      for (var span = 0; span < (cell.colSpan || 1); span += 1) names.push(cell.textContent.trim());
    });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && names[column]) cell.setAttribute("data-label", names[column]);
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("stacks");
  }

  function markScrollingBoxes() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
      } else if (!scrolls && box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  document.querySelectorAll("table").forEach(labelCells);
  markScrollingBoxes();
  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(markScrollingBoxes, 100);
  });
})();
