// KBLI search-as-you-type (WAI-ARIA combobox with a listbox popup). htmx fetches the
// suggestions into #kbli-results as the applicant types; this file opens/closes the list,
// moves through it with the arrow keys and writes the chosen "code — title" into the field.
(function () {
  var input = document.querySelector('input[role="combobox"][aria-controls="kbli-listbox"]');
  if (!input) return;

  function listbox() { return document.getElementById("kbli-listbox"); }
  function options() {
    var box = listbox();
    return box ? Array.prototype.slice.call(box.querySelectorAll('[role="option"]')) : [];
  }
  function setOpen(open) {
    var box = listbox();
    if (box) box.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) input.removeAttribute("aria-activedescendant");
  }
  function activate(index) {
    var opts = options();
    opts.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
    if (opts[index]) {
      input.setAttribute("aria-activedescendant", opts[index].id);
      opts[index].scrollIntoView({ block: "nearest" });
    }
  }
  function activeIndex() {
    var id = input.getAttribute("aria-activedescendant");
    return options().findIndex(function (o) { return o.id === id; });
  }
  function choose(option) {
    input.value = option.dataset.value;
    setOpen(false);
    var hint = document.getElementById("kbli-hint");
    if (hint) hint.textContent = (hint.dataset.chosen || "") + option.dataset.value;
  }

  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "kbli-results") {
      setOpen(options().length > 0 && document.activeElement === input);
    }
  });
  input.addEventListener("keydown", function (e) {
    var opts = options();
    var open = input.getAttribute("aria-expanded") === "true";
    if (e.key === "ArrowDown" && opts.length) {
      e.preventDefault();
      setOpen(true);
      activate(Math.min(activeIndex() + 1, opts.length - 1));
    } else if (e.key === "ArrowUp" && open) {
      e.preventDefault();
      activate(Math.max(activeIndex() - 1, 0));
    } else if (e.key === "Enter" && open) {
      e.preventDefault();  // choosing a suggestion must not submit the form
      var i = activeIndex();
      if (opts[i >= 0 ? i : 0]) choose(opts[i >= 0 ? i : 0]);
    } else if (e.key === "Escape" && open) {
      e.preventDefault();
      setOpen(false);
    }
  });
  input.addEventListener("blur", function () { setOpen(false); });
  // mousedown/touch would blur the input (closing the list) before the click lands.
  document.addEventListener("mousedown", function (e) {
    if (e.target.closest && e.target.closest("#kbli-listbox")) e.preventDefault();
  });
  document.addEventListener("click", function (e) {
    var option = e.target.closest && e.target.closest('#kbli-listbox [role="option"]');
    if (option) choose(option);
  });
})();
