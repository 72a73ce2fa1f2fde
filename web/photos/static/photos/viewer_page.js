// The photo's own page (/photos/<id>/): ← and → follow its Newer and Older links, Esc its "All photos" link, and
// a horizontal swipe with one finger goes to the neighbour (a pinch still zooms, a vertical drag still scrolls).
// The links work without this module; it only gives them keys and a gesture.
const nav = document.querySelector(".viewer-nav");
const SWIPE_MIN_PX = 60;

function link(selector) {
  return nav?.querySelector(selector) ?? document.querySelector(selector);
}

function follow(anchor) {
  if (!anchor) return false;
  anchor.click();
  return true;
}

const newer = () => link('a[rel="prev"]');
const older = () => link('a[rel="next"]');
const close = () => document.querySelector("a[data-viewer-close]");

function typingIn(target) {
  return target instanceof Element && target.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])');
}

// Esc first closes whatever disclosure is open (the header's menu): noted before its own handler closes it.
let disclosureOpen = false;
window.addEventListener("keydown", () => {
  disclosureOpen = document.querySelector('[aria-expanded="true"]') !== null;
}, true);

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (typingIn(event.target) || (event.key === "Escape" && disclosureOpen)) return;
  const target = { ArrowLeft: newer, ArrowRight: older, Escape: close }[event.key]?.();
  if (follow(target)) event.preventDefault();
});

// ---- swipe: pointer events on the photo and its details, one touch or pen pointer at a time
const stage = document.querySelector(".viewer-stage") ?? document.querySelector(".detail");
const pointers = new Map(); // pointerId → where it went down
let spoiled = false; // a second finger joined: this gesture is a pinch, not a swipe

function zoomedIn() {
  return (window.visualViewport?.scale ?? 1) > 1.01;
}

// Horizontal moves come to the page (not to the browser's panning) only while the page is not zoomed in: once it
// is, a horizontal drag must pan the zoomed page instead.
function setTouchAction() {
  stage.style.touchAction = zoomedIn() ? "" : "pan-y pinch-zoom";
}

if (stage) {
  setTouchAction();
  window.visualViewport?.addEventListener("resize", setTouchAction);

  stage.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse") return;
    if (pointers.size > 0) spoiled = true;
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
  });

  const forget = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size === 0) spoiled = false;
  };

  // On window: a finger lifted outside the stage still ends its gesture.
  window.addEventListener("pointerup", (event) => {
    const start = pointers.get(event.pointerId);
    const single = !spoiled && pointers.size === 1;
    forget(event);
    if (!start || !single || zoomedIn()) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    if (Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dx) < 2 * Math.abs(dy)) return;
    // Finger moving left shows what comes after (older), as the viewer on the gallery does.
    follow(dx < 0 ? older() : newer());
  });
  window.addEventListener("pointercancel", forget);
}
