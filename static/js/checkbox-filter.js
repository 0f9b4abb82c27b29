// Checkbox filter: an <input data-filter-list="ID"> shows only the options of the checkbox list #ID whose
// label contains what was typed (case-insensitive), and says how many are shown. Checked boxes stay checked
// (and are still sent) when hidden. Without this script the whole list is shown and the filter box stays hidden.
(function () {
  "use strict";

  function options(list) {
    return Array.prototype.filter.call(list.children, function (child) { return child.querySelector("input"); });
  }

  function filter(input, list, count) {
    var wanted = input.value.trim().toLowerCase();
    var shown = 0;
    var all = options(list);
    all.forEach(function (option) {
      var match = !wanted || option.textContent.toLowerCase().indexOf(wanted) !== -1;
      option.hidden = !match;
      if (match) { shown += 1; }
    });
    count.textContent = wanted ? shown + " of " + all.length + " shown" : "";
  }

  function enhance(input) {
    var list = document.getElementById(input.dataset.filterList);
    var count = document.getElementById(input.getAttribute("aria-describedby"));
    var box = input.closest("[data-filter-box]");
    if (!list || !count) { return; }
    if (box) { box.hidden = false; }
    input.addEventListener("input", function () { filter(input, list, count); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // Enter filters; it never submits the form
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-filter-list]").forEach(enhance);
  });
})();
