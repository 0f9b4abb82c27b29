// Copy buttons: <button type="button" data-copy="ELEMENT-ID" hidden> copies that element's text to the
// clipboard and says so in the page's live region (data-copy-status). The buttons stay hidden without this
// script (the text can still be selected by hand). Delegated on the document, so fragments that htmx swaps in
// work too.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
      if (navigator.clipboard) { button.hidden = false; }
    });
  }

  function announce(button, text) {
    var status = document.getElementById(button.getAttribute("data-copy-status") || "");
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    navigator.clipboard.writeText(source.textContent).then(
      function () { announce(button, button.getAttribute("data-copied") || "Copied."); },
      function () { announce(button, button.getAttribute("data-copy-failed") || "Could not copy: select the text instead."); }
    );
  });

  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSettle", function () { reveal(document); });
  if (document.readyState !== "loading") { reveal(document); }
})();
