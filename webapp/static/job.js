// The page of a background job (a match run, an upload's preview or import) keeps itself
// up to date: it reads the page again every quarter of a second for its first ten seconds
// (a re-run after a few decisions shows its result as soon as it is done), then every two
// seconds, and puts the new progress in place (its status line is announced; the focus
// and the reading place stay); when the job has finished (the page read has no progress
// any more) it loads the page once more.
(function () {
  "use strict";
  const SOON_MS = 250;
  const SOON_FOR_MS = 10000;
  const EVERY_MS = 2000;
  const opened = Date.now();
  function later() {
    window.setTimeout(check, Date.now() - opened < SOON_FOR_MS ? SOON_MS : EVERY_MS);
  }
  function read(html) {
    return new DOMParser().parseFromString(html, "text/html").querySelector("[data-job-progress]");
  }
  function update(next) {
    const shown = document.querySelector("[data-job-progress]");
    const status = shown.querySelector("[role=status]");
    const statusNow = next.querySelector("[role=status]");
    if (status.textContent !== statusNow.textContent) {
      status.textContent = statusNow.textContent;
    }
    const estimate = shown.querySelector("[data-job-estimate]");
    const estimateNow = next.querySelector("[data-job-estimate]");
    if (estimate && estimateNow) {
      estimate.textContent = estimateNow.textContent;
    } else if (estimateNow) {
      shown.appendChild(document.importNode(estimateNow, true));
    }
    const bar = shown.querySelector("progress");
    const barNow = next.querySelector("progress");
    if (bar.outerHTML !== barNow.outerHTML) {
      bar.replaceWith(document.importNode(barNow, true));
    }
  }
  function check() {
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        const next = read(html);
        if (!next) {
          window.location.reload();
          return;
        }
        update(next);
        later();
      })
      .catch(later);
  }
  later();
})();
