// "Salin kode": copies the text of the element named by data-copy-target (a QRIS payload) to
// the clipboard and says so in the nearest [role=status]. No inline handlers (strict CSP).
(function () {
  "use strict";
  if (window.kotakitaCopy) return; // included by more than one panel: one listener is enough
  window.kotakitaCopy = true;

  function say(button, text) {
    var scope = button.closest("section") || document;
    var status = scope.querySelector("[role=status]");
    if (status) status.textContent = text;
  }

  function fallback(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    var text = field.value || field.textContent || "";
    var ok = function () { say(button, button.getAttribute("data-copied")); };
    var fail = function () {
      if (fallback(field)) ok();
      else say(button, button.getAttribute("data-copy-failed"));
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(ok, fail);
    } else {
      fail();
    }
  });
})();
