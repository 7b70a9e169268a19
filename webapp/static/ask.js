// Ask before sending a form marked data-ask (deleting, for example).
document.querySelectorAll("form[data-ask]").forEach(function (form) {
  "use strict";
  form.addEventListener("submit", function (event) {
    if (!window.confirm(form.dataset.ask)) {
      event.preventDefault();
    }
  });
});
