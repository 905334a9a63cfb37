// Accessibility fixes for Django admin markup we do not render ourselves.
// Select2 (autocomplete_fields) draws a role="combobox" span labelled only by the empty
// "selected value" span (itself a nameless role="textbox"), so screen readers hear no name (axe aria-input-field-name): give the
// combobox the text of the original <select>'s <label>. Select2 widgets are also created later
// (inline rows), hence the observer.
(function () {
  "use strict";
  function nameComboboxes(root) {
    var boxes = (root || document).querySelectorAll(".select2-selection[role=combobox]:not([aria-label])");
    for (var i = 0; i < boxes.length; i++) {
      var container = boxes[i].closest(".select2-container");
      var select = container && container.previousElementSibling;
      if (!select || select.tagName !== "SELECT" || !select.id) { continue; }
      var label = document.querySelector("label[for='" + select.id + "']");
      var text = label ? label.textContent.replace(/:\s*$/, "").trim() : select.name;
      boxes[i].setAttribute("aria-label", text);
      // Its read-only role="textbox" child (the chosen value) needs the name too.
      var shown = boxes[i].querySelector(".select2-selection__rendered[role=textbox]");
      if (shown) { shown.setAttribute("aria-label", text); }
    }
  }
  // SelectFilter2 (filter_horizontal) puts aria-label on a bare <span> search icon, which ARIA
  // does not allow (axe aria-prohibited-attr): an image role makes the label valid.
  function roleIcons(root) {
    var icons = (root || document).querySelectorAll(".help-tooltip[aria-label]:not([role])");
    for (var i = 0; i < icons.length; i++) { icons[i].setAttribute("role", "img"); }
  }
  // AdminSplitDateTime prints "Tanggal:" / "Jam:" as bare text before its two inputs, so the
  // inputs have no label (axe label): name them after the field's <label> and that text.
  function nameSplitDateTimes(root) {
    var inputs = (root || document).querySelectorAll("p.datetime input:not([aria-label])");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var base = input.id.replace(/_[01]$/, "");
      var label = document.querySelector("label[for='" + base + "_0']");
      var part = input.previousSibling && input.previousSibling.textContent ? input.previousSibling.textContent : "";
      var text = ((label ? label.textContent.replace(/:\s*$/, "").trim() : base) + " " + part.replace(/:\s*$/, "").trim()).trim();
      input.setAttribute("aria-label", text);
    }
  }
  function fix() { nameComboboxes(document); roleIcons(document); nameSplitDateTimes(document); }
  function start() {
    fix();
    new MutationObserver(fix).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
