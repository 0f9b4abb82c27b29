// Ordering questions: adds "Move up" / "Move down" buttons beside each item. Without this script the
// position selects already work by keyboard; the buttons keep the selects in step with the visible order.
// Button labels come from the fieldset's data-up-label / data-down-label (translated by the template).
(function () {
  "use strict";

  function renumber(list) {
    var items = list.querySelectorAll(".ordering-item");
    items.forEach(function (item, index) {
      item.querySelector("select").value = String(index + 1);
    });
  }

  function move(item, direction) {
    var list = item.parentElement;
    var sibling = direction < 0 ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) { return; }
    if (direction < 0) { list.insertBefore(item, sibling); } else { list.insertBefore(sibling, item); }
    renumber(list);
    item.querySelector(direction < 0 ? ".move-up" : ".move-down").focus();
  }

  function button(label, css, item, direction) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "button-small button-secondary " + css;
    b.textContent = label;
    b.setAttribute("aria-label", label + ": " + item.querySelector("label").textContent.trim());
    b.addEventListener("click", function () { move(item, direction); });
    return b;
  }

  function enhance(root) {
    root.querySelectorAll("[data-ordering]:not([data-enhanced])").forEach(function (fieldset) {
      fieldset.setAttribute("data-enhanced", "");
      fieldset.querySelectorAll(".ordering-item").forEach(function (item) {
        var tools = document.createElement("span");
        tools.className = "ordering-tools";
        tools.appendChild(button(fieldset.dataset.upLabel || "Move up", "move-up", item, -1));
        tools.appendChild(button(fieldset.dataset.downLabel || "Move down", "move-down", item, 1));
        item.appendChild(tools);
        item.querySelector("select").addEventListener("change", function () {
          var list = item.parentElement;
          var wanted = Number(this.value) - 1;
          var items = Array.prototype.slice.call(list.children).filter(function (x) { return x !== item; });
          list.insertBefore(item, items[wanted] || null);
          renumber(list);
          this.focus();
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
