// GOV.UK's error summary behaviour: the summary takes the focus when the page loads (so screen readers read it
// first), and each of its links focuses its field with the field's label scrolled into view, not just the input.
(() => {
  "use strict";
  const summary = document.querySelector(".error-summary");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const input = link && document.getElementById(link.hash.slice(1));
    if (!input) return;
    event.preventDefault();
    const label = document.querySelector("label[for='" + input.id + "']");
    (label || input).scrollIntoView();
    input.focus({ preventScroll: true });
  });
})();
