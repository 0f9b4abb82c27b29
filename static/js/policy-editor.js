// Policy editor: puts a line-number gutter beside each textarea[data-policy-editor], keeps it in step with
// the text and its scrolling, and marks the lines the live report names (its items carry data-line).
// Without this script the textarea works alone and the report still gives each problem's line and column.
(function () {
  "use strict";

  function syncLines(editor) {
    var gutter = editor.gutter;
    var count = editor.textarea.value.split("\n").length;
    while (gutter.childElementCount < count) {
      gutter.appendChild(document.createElement("li"));
    }
    while (gutter.childElementCount > count) {
      gutter.removeChild(gutter.lastElementChild);
    }
    gutter.scrollTop = editor.textarea.scrollTop;
  }

  function markProblems(editor) {
    var report = document.getElementById(editor.textarea.id + "-report");
    var bad = {};
    if (report) {
      report.querySelectorAll("[data-line]").forEach(function (item) { bad[item.dataset.line] = true; });
    }
    Array.prototype.forEach.call(editor.gutter.children, function (line, index) {
      line.classList.toggle("editor-line-flagged", Boolean(bad[String(index + 1)]));
    });
  }

  function enhance(textarea) {
    textarea.setAttribute("data-enhanced", "");
    var frame = document.createElement("div");
    var gutter = document.createElement("ol");
    frame.className = "editor-frame";
    gutter.className = "editor-gutter";
    gutter.setAttribute("aria-hidden", "true");
    textarea.parentNode.insertBefore(frame, textarea);
    frame.appendChild(gutter);
    frame.appendChild(textarea);
    textarea.setAttribute("wrap", "off");
    var editor = { textarea: textarea, gutter: gutter };
    textarea.addEventListener("input", function () { syncLines(editor); });
    textarea.addEventListener("scroll", function () { gutter.scrollTop = textarea.scrollTop; });
    document.body.addEventListener("htmx:afterSettle", function () { markProblems(editor); });
    syncLines(editor);
    markProblems(editor);
  }

  function enhanceAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("textarea[data-policy-editor]:not([data-enhanced])").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.detail.elt.parentNode || document); });
})();
