// The colour theme. Loaded blocking in <head>, so the remembered choice applies before the first paint; then it
// wires the header's switch. Choices: "dark" (the default), "light", "system" (follows prefers-color-scheme).
// darkroom.css swaps its tokens on <html data-theme>; the "js" class shows the controls that need a script.
(() => {
  "use strict";
  const KEY = "darkroom-theme";
  const NEXT = { dark: "light", light: "system", system: "dark" };
  const LABEL = { dark: "Dark", light: "Light", system: "System" };
  const BAR = { dark: "#0f0e0d", light: "#f6f3ee" };  // --bg of each theme, for the browser's own bar
  const root = document.documentElement;

  function remembered() {
    try {
      const choice = localStorage.getItem(KEY);
      return choice in NEXT ? choice : "dark";
    } catch {
      return "dark";  // storage blocked: the default, every time
    }
  }

  function apply(choice) {
    root.dataset.theme = choice;
    document.querySelectorAll('meta[name="theme-color"]').forEach((meta) => {
      const scheme = choice === "system" ? (meta.media.includes("dark") ? "dark" : "light") : choice;
      meta.content = BAR[scheme];
    });
  }

  root.classList.add("js");
  apply(remembered());

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-theme-switch]").forEach((button) => {
      const label = button.querySelector("[data-theme-label]");
      const show = () => {
        const choice = root.dataset.theme;
        label.textContent = LABEL[choice];
        button.title = "Theme: " + LABEL[choice] + ". Switch to " + LABEL[NEXT[choice]];
      };
      show();
      button.addEventListener("click", () => {
        const choice = NEXT[root.dataset.theme] || "dark";
        try {
          localStorage.setItem(KEY, choice);
        } catch {
          // not remembered, still applied to this page
        }
        apply(choice);
        show();
      });
    });
  });
})();
