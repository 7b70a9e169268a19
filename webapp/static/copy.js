// Links to copy: select the whole link on focus and add a "Copy" button beside it.
document.querySelectorAll("input.copy").forEach(function (input) {
  "use strict";
  input.addEventListener("focus", function () { input.select(); });
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copy-button";
  const what = input.getAttribute("aria-label") || "link";
  const name = function (text) {  // the visible text starts the name (WCAG 2.5.3)
    button.textContent = text;
    button.setAttribute("aria-label", text + " " + what.charAt(0).toLowerCase() + what.slice(1));
  };
  name("Copy");
  button.addEventListener("click", function () {
    input.select();
    const done = function () { name("Copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done);
    } else if (document.execCommand("copy")) {
      done();
    }
  });
  input.insertAdjacentElement("afterend", button);
});
