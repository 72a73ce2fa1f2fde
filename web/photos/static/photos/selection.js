// Selecting photos on the gallery and the Trash: the tiles' checkboxes belong to the #selection form (form=), so
// without this module they are plain checkboxes and the form's buttons post them. With it: a live count, the bar
// and the tiles marked while selecting, Clear, Shift-click for a range, a tap on a tile toggling it while selecting
// (instead of opening it), a long press to start selecting on touch screens, Esc to clear, and no empty posts.
const form = document.getElementById("selection");
const gallery = document.getElementById("gallery");
const BOXES = '.pick input[type="checkbox"][form="selection"]';
const LONG_PRESS_MS = 500;
const PRESS_SLOP_PX = 10;

function boxes() {
  return Array.from(gallery.querySelectorAll(BOXES));
}

function boxOf(tile) {
  return tile?.querySelector(BOXES) ?? null;
}

if (form && gallery) {
  const count = form.querySelector("[data-selected-count]");
  const clear = form.querySelector("[data-selection-clear]");
  const prompt = count?.textContent ?? "";
  const selected = new Set(); // photo ids: survives a tile being replaced in place
  let anchor = null; // the last checkbox clicked: one end of a Shift-click range

  function update() {
    let n = 0;
    for (const box of boxes()) {
      box.closest(".tile")?.classList.toggle("selected", box.checked);
      if (box.checked) n += 1;
    }
    gallery.classList.toggle("selecting", n > 0);
    form.classList.toggle("selecting", n > 0);
    if (clear) clear.hidden = n === 0;
    if (count) count.textContent = n === 0 ? prompt : `${n} selected`;
  }

  function remember(box) {
    if (box.checked) selected.add(box.value);
    else selected.delete(box.value);
  }

  function set(box, checked) {
    box.checked = checked;
    remember(box);
  }

  // Shift: every checkbox between the anchor and this one (in page order) takes this one's new state.
  function extend(box) {
    if (!anchor || anchor === box) return;
    const all = boxes();
    // The anchor's tile may have been replaced in place since: its checkbox has the same value.
    const from = anchor.isConnected ? all.indexOf(anchor) : all.findIndex((each) => each.value === anchor.value);
    const to = all.indexOf(box);
    if (from < 0 || to < 0) return;
    all.slice(Math.min(from, to), Math.max(from, to) + 1).forEach((each) => set(each, box.checked));
  }

  function toggle(box, range) {
    set(box, !box.checked);
    if (range) extend(box);
    anchor = box;
    update();
  }

  // The checkboxes themselves (a click, or Space, or Shift+Space from the keyboard)
  gallery.addEventListener("click", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.matches(BOXES)) return;
    remember(box);
    if (event.shiftKey) extend(box);
    anchor = box;
    update();
  });
  // Shift+click would extend the page's text selection from the last click, and Chrome then does not pass a
  // click on a checkbox's label to the checkbox: no text selection from Shift+click on a tile.
  gallery.addEventListener("mousedown", (event) => {
    if (event.shiftKey && event.target.closest(".tile")) event.preventDefault();
  });
  gallery.addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.matches(BOXES)) {
      remember(event.target);
      update();
    }
  });

  // ---- long press (touch, pen): selects the tile and starts selecting; the click and menu after it do nothing
  let press = null; // { id, x, y, timer, tile }
  let swallowClick = false;
  let swallowTimer = null;

  function cancelPress() {
    if (press) clearTimeout(press.timer);
    press = null;
  }

  function longPress() {
    const box = boxOf(press?.tile);
    cancelPress();
    if (!box) return;
    if (!box.checked) set(box, true);
    anchor = box;
    update();
    swallowClick = true;
    navigator.vibrate?.(10);
  }

  gallery.addEventListener("pointerdown", (event) => {
    swallowClick = false;
    cancelPress();
    if (event.pointerType === "mouse" || !event.isPrimary) return;
    const tile = event.target.closest(".tile");
    if (!tile || event.target.closest(".pick") || !boxOf(tile)) return;
    press = { id: event.pointerId, x: event.clientX, y: event.clientY, tile, timer: setTimeout(longPress, LONG_PRESS_MS) };
  });
  gallery.addEventListener("pointermove", (event) => {
    if (press?.id === event.pointerId
        && Math.hypot(event.clientX - press.x, event.clientY - press.y) > PRESS_SLOP_PX) cancelPress();
  });
  const released = () => {
    cancelPress();
    // The click that follows the finger comes at once; never let a stale flag eat a later click.
    if (swallowClick) {
      clearTimeout(swallowTimer);
      swallowTimer = setTimeout(() => { swallowClick = false; }, 800);
    }
  };
  window.addEventListener("pointerup", released);
  window.addEventListener("pointercancel", released);
  gallery.addEventListener("contextmenu", (event) => {
    if (press && !event.target.closest(".pick")) longPress(); // the browser's own long press came first
    if (swallowClick) event.preventDefault();
  });

  // The click after a long press is swallowed wherever it lands (the page may have moved under the finger).
  window.addEventListener("click", (event) => {
    if (!swallowClick) return;
    swallowClick = false;
    event.preventDefault();
    event.stopPropagation();
  }, true);

  // ---- a click on a tile while selecting toggles it instead of opening it. Capture phase, so the viewer
  // (viewer.js) and the link never see it. On the Trash a tile opens nothing: a click there always toggles.
  gallery.addEventListener("click", (event) => {
    const tile = event.target.closest(".tile");
    if (!tile || event.target.closest(".pick")) return;
    const link = event.target.closest(".tile-link");
    const box = boxOf(tile);
    if (!link || !box || event.button !== 0 || event.ctrlKey || event.metaKey || event.altKey) return;
    const opens = link.matches("a[href]");
    if (opens && !gallery.classList.contains("selecting")) return;
    event.preventDefault();
    event.stopPropagation();
    toggle(box, event.shiftKey);
  }, true);

  // ---- Clear, Esc, and no post with nothing selected
  function clearAll() {
    boxes().forEach((box) => set(box, false));
    selected.clear();
    anchor = null;
    update();
  }

  clear?.addEventListener("click", () => {
    const hadFocus = document.activeElement === clear;
    const last = anchor?.isConnected ? anchor : boxes()[0];
    clearAll();
    // Clear hides itself (and the gallery's bar with it): the keyboard goes back to the last checkbox used.
    if (hadFocus) last?.focus();
  });

  // Esc first closes whatever disclosure is open (the header's menu): noted before its own handler closes it.
  let disclosureOpen = false;
  window.addEventListener("keydown", () => {
    disclosureOpen = document.querySelector('[aria-expanded="true"]') !== null;
  }, true);
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || event.defaultPrevented || disclosureOpen || window.pswp) return;
    if (!gallery.classList.contains("selecting")) return;
    if (event.target instanceof Element && event.target.closest("input:not([type=checkbox]), textarea, select")) return;
    event.preventDefault();
    clearAll();
  });

  form.addEventListener("submit", (event) => {
    if (boxes().some((box) => box.checked)) return;
    event.preventDefault();
    if (count) count.textContent = "Select at least one photo first";
  });

  // Tiles added or replaced by the other modules: a replaced tile keeps its selection.
  document.addEventListener("darkroom:tiles-changed", () => {
    boxes().forEach((box) => {
      if (selected.has(box.value)) box.checked = true;
    });
    update();
  });

  // The browser may restore checked boxes (Back, bfcache): start from what the page shows.
  const restore = () => {
    selected.clear();
    boxes().forEach(remember);
    update();
  };
  window.addEventListener("pageshow", restore);
  restore();
}
