// Decide on a pair of the review table without leaving the page.
// Each decision form of a row (marked data-inplace) is sent as it is with fetch; the
// server answers with the pair's row as it is now, which replaces the old row: the page
// keeps its scroll position, focus moves to the row's new status, and a live region says
// what changed. A refusal (a 422 naming why the pair cannot be approved, a 409 for a change
// someone made meanwhile) is shown under the row. Without JavaScript the
// forms post and come back to the same page, as before.
(function () {
  "use strict";
  const HEADER = "X-Mentorloom-Fragment";
  const live = document.getElementById("decided");

  function parseRow(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.querySelector("tr");
  }

  // A refusal goes in a row of its own under the pair, the width of the table.
  function showProblem(row, html) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("problem")) {
      next.remove();
    }
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const problem = template.content.querySelector(".flash") || document.createElement("p");
    if (!problem.textContent) {
      problem.className = "flash error";
      problem.textContent = "Not saved: reload the page and try again.";
    }
    problem.setAttribute("role", "alert");
    const line = document.createElement("tr");
    const cell = document.createElement("td");
    line.className = "problem";
    cell.colSpan = row.cells.length;
    cell.appendChild(problem);
    line.appendChild(cell);
    row.after(line);
  }

  function setBusy(row, busy) {
    row.querySelectorAll("button").forEach(function (button) { button.disabled = busy; });
    row.setAttribute("aria-busy", busy ? "true" : "false");
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-inplace")) {
      return;
    }
    const row = form.closest("tr");
    if (!row) {
      return;
    }
    event.preventDefault();
    const body = new FormData(form);
    setBusy(row, true);
    // the form's own "action" field hides form.action: read the attribute
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { [HEADER]: "row" },
    }).then(function (response) {
      return response.text().then(function (text) { return { ok: response.ok, text: text }; });
    }, function () {
      // the request never reached the server: send the form the plain way
      HTMLFormElement.prototype.submit.call(form);
      return null;
    }).then(function (answer) {
      if (!answer) {
        return;
      }
      const fresh = answer.ok ? parseRow(answer.text) : null;
      if (!fresh) {
        setBusy(row, false);
        showProblem(row, answer.text);
        return;
      }
      const selected = row.querySelector('input[name="ids"]');
      const box = fresh.querySelector('input[name="ids"]');
      if (selected && box) {
        box.checked = selected.checked;
      }
      const next = row.nextElementSibling;
      if (next && next.classList.contains("problem")) {
        next.remove();
      }
      row.replaceWith(fresh);
      const status = fresh.querySelector(".status");
      if (status) {
        status.focus({ preventScroll: true });
        if (live && box) {
          const pair = box.getAttribute("aria-label").replace(/^Select /, "");
          live.textContent = pair + ": " + status.textContent + ".";
        }
      }
    });
  });
})();
