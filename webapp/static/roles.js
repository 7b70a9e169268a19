// Show the mentee or mentor sections of the intake form that fit the chosen role.
// Without JavaScript every section stays visible, and the server ignores the ones that do not fit.
(function () {
  "use strict";
  const radios = document.querySelectorAll('input[name="role"]');
  function update() {
    const checked = document.querySelector('input[name="role"]:checked');
    const role = checked ? checked.value : "both";
    document.querySelectorAll("fieldset[data-for]").forEach(function (set) {
      set.hidden = !(role === "both" || role === set.dataset.for);
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
