// The header's Menu button on narrow screens: shows and hides the navigation it controls (aria-controls).
// Without this script the button stays hidden and the navigation stays visible (darkroom.css, .js rules).
(() => {
  "use strict";
  const button = document.querySelector(".menu-button[aria-controls]");
  if (!button) return;
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) return;

  function setOpen(open) {
    button.setAttribute("aria-expanded", String(open));
  }

  button.addEventListener("click", () => setOpen(button.getAttribute("aria-expanded") !== "true"));
  // Escape closes the open menu from anywhere inside it and gives the focus back to the button.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
    const inside = nav.contains(document.activeElement) || document.activeElement === button;
    setOpen(false);
    if (inside) button.focus();
  });
})();
