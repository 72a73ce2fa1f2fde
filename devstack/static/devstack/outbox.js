// The local outbox: each email's frame grows to its content, so a long email shows its footer instead of a
// scrollbar. The frames are same-origin (sandbox allow-same-origin, no allow-scripts), so this page can measure them.
(() => {
  "use strict";
  const frames = document.querySelectorAll(".email iframe");

  function fit(frame) {
    const root = frame.contentDocument && frame.contentDocument.documentElement;
    if (!root) return;
    // The root element's own box, not scrollHeight: that never drops below the frame's current height. Plus the
    // frame's borders, which its CSS height includes (border-box).
    const borders = frame.offsetHeight - frame.clientHeight;
    frame.style.height = `${Math.ceil(root.getBoundingClientRect().height) + borders}px`;
  }

  for (const frame of frames) {
    frame.addEventListener("load", () => fit(frame));
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") fit(frame);
  }
  // Text wraps differently at another width (a phone turned, a window resized).
  window.addEventListener("resize", () => frames.forEach(fit));
})();
