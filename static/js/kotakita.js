// Small behaviours that would otherwise be inline event handlers, which our
// Content-Security-Policy forbids (script-src has no 'unsafe-inline'):
//   <select data-autosubmit>        submits its form when the choice changes;
//   <form data-confirm="Question?"> asks before it is submitted.
(function () {
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();
