// Links to copy: select the whole link on focus and add a "Copy" button beside it.
document.querySelectorAll("input.copy").forEach(function (input) {
  "use strict";
  input.addEventListener("focus", function () { input.select(); });
  const button = document.createElement("button");
  button.type = "button";
  button.className = "copy-button";
  button.textContent = "Copy";
  const what = input.getAttribute("aria-label") || "link";
  button.setAttribute("aria-label", "Copy " + what.charAt(0).toLowerCase() + what.slice(1));
  button.addEventListener("click", function () {
    input.select();
    const done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done);
    } else if (document.execCommand("copy")) {
      done();
    }
  });
  input.insertAdjacentElement("afterend", button);
});
