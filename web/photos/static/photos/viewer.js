// The viewer on the gallery page: PhotoSwipe over the ready tiles, fitted to the screen (arrow keys, swipe, pinch,
// Esc), an address per photo, and a details panel with the photo's facts, its original and "Move to Trash".
// Without this module every tile is a link to the photo's own page, which is also what a reload of /photos/<id>/
// shows. PhotoSwipe and its stylesheets load on the first open, from the URLs #gallery names ({% static %}).
//
// History: opening pushes one entry (/photos/<id>/), moving through photos replaces it, so Back closes the viewer
// and lands on the gallery; closing with Esc or × goes back over that entry; Forward opens the viewer again.
const gallery = document.getElementById("gallery");
const VIEWABLE = ".tile-link[data-pswp-src]";
const wide = window.matchMedia("(min-width: 60em)");
// The site's time format (TIME_FORMAT in web/photos/facts.py), in the visitor's own time zone.
const uploadedFormat = new Intl.DateTimeFormat("en-GB", {
  weekday: "short", day: "numeric", month: "short", year: "numeric",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

let lightbox = null; // Promise of the PhotoSwipeLightbox, set up once
let stylesheets = null; // Promise of PhotoSwipe's stylesheet and viewer.css in <head>
let detailsOpen = null; // the visitor's choice on this page; until then, open on wide screens only
let items = []; // the links the open viewer shows, read from the page when it opens
let historyMode = "push"; // what the next "change" does to the address: "push" (on open) or "replace"
let ownEntry = false; // the current history entry is the viewer's, and the gallery's is just behind it
let closingByBack = false; // the viewer closes because the visitor went back: do not go back again
let awaitingBack = false; // the viewer went back itself and waits for the popstate
let afterBack = null; // what to do once back on the gallery's entry (a form to submit)
let galleryTitle = document.title;
let galleryUrl = window.location.pathname + window.location.search; // where the viewer was opened
let opening = null; // the link being opened, for when PhotoSwipe cannot load
let openings = 0; // counts open() calls: a Back press in the meantime cancels an open still loading
let loaded = null; // the PhotoSwipeLightbox, once loaded
let lastLink = null; // the tile the viewer showed last, kept on screen when back on the gallery

function pswp() {
  return window.pswp;
}

function currentLink() {
  return pswp()?.currSlide?.data.element ?? null;
}

function photoId(link) {
  return link.closest("[data-photo-id]")?.dataset.photoId ?? "";
}

// ---- loading: the stylesheets and PhotoSwipe's two modules, once, on the first open (or the first touch)
function stylesheet(href) {
  return new Promise((resolve, reject) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.addEventListener("load", resolve);
    link.addEventListener("error", () => reject(new Error(`${href} did not load`)));
    document.head.append(link);
  });
}

function loadStylesheets() {
  if (!stylesheets) {
    const viewerCss = gallery.dataset.viewerCss || new URL("viewer.css", import.meta.url).href;
    stylesheets = Promise.all([stylesheet(gallery.dataset.photoswipeCss), stylesheet(viewerCss)]);
    stylesheets.catch(() => { stylesheets = null; });
  }
  return stylesheets;
}

function loadLightbox() {
  if (!lightbox) {
    lightbox = import(gallery.dataset.photoswipeLightbox).then(({ default: PhotoSwipeLightbox }) => setUp(new PhotoSwipeLightbox({
      pswpModule: () => import(gallery.dataset.photoswipe).catch(cannotOpen),
      openPromise: () => loadStylesheets().catch(cannotOpen),
      mainClass: "photo-viewer",
      loop: false, // a timeline has a newest and an oldest end
      bgOpacity: 1,
      returnFocus: false, // focus goes back to the tile of the photo last shown instead (see "destroy")
      paddingFn,
      arrowPrevTitle: "Newer photo",
      arrowNextTitle: "Older photo",
      closeTitle: "Close (Esc)",
      zoomTitle: "Zoom (Z)",
      errorMsg: "This photo could not be loaded.",
    })));
    lightbox.catch(() => { lightbox = null; });
  }
  return lightbox;
}

// PhotoSwipe or its stylesheets did not load: the photo's own page instead.
function cannotOpen(error) {
  if (opening) window.location.assign(opening.href);
  throw error;
}

function warmUp() {
  loadLightbox().catch(() => {});
  loadStylesheets().catch(() => {});
  import(gallery.dataset.photoswipe).catch(() => {});
}

// ---- opening: a click (or Enter) on a ready tile, unless selecting or asking for a new tab
async function open(link, point, mode) {
  if (pswp()) return;
  const links = Array.from(gallery.querySelectorAll(VIEWABLE));
  const index = links.indexOf(link);
  if (index < 0) return;
  opening = link;
  const ticket = ++openings;
  let box;
  try {
    box = await loadLightbox();
  } catch (error) {
    cannotOpen(error);
    return;
  }
  if (pswp() || ticket !== openings) return;
  items = links;
  historyMode = mode;
  openedAt = index;
  box.loadAndOpen(index, items, point);
}

function onGalleryClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest(VIEWABLE);
  if (!link || !gallery.contains(link)) return;
  if (gallery.classList.contains("selecting")) return; // selection.js turns the click into a toggle
  event.preventDefault();
  if (pswp()) return; // a key press on the tile under the open viewer
  // Enter on a focused tile makes a click at 0,0: no point to zoom from, and PhotoSwipe takes the focus.
  const point = event.clientX || event.clientY ? { x: event.clientX, y: event.clientY } : null;
  keepSteps();
  open(link, point, "push");
}

// ---- the address: one history entry for the whole visit to the viewer
function showAddress(link) {
  const state = { darkroomViewer: photoId(link) };
  if (historyMode === "push") {
    galleryTitle = document.title;
    galleryUrl = window.location.pathname + window.location.search;
    // The gallery's entry must not jump back to where it was when the viewer opened: the viewer keeps the
    // photo it shows on screen under it, and closes onto that tile.
    history.scrollRestoration = "manual";
    history.pushState(state, "", link.href);
    ownEntry = true;
    historyMode = "replace";
  } else {
    history.replaceState(state, "", link.href);
  }
  const site = galleryTitle.includes(" · ") ? galleryTitle.slice(galleryTitle.lastIndexOf(" · ")) : "";
  document.title = (link.dataset.filename || "Photo") + site;
}

function backOnGallery() {
  history.scrollRestoration = "auto";
  if (lastLink?.isConnected) keepInView(lastLink);
  const todo = afterBack;
  afterBack = null;
  todo?.();
}

function onClose() {
  stopKeepingSteps();
  document.title = galleryTitle;
  lastLink = currentLink();
  if (ownEntry && !closingByBack) {
    awaitingBack = true;
    history.back();
    // If no popstate comes (the entry was already gone), do what was waiting anyway.
    setTimeout(() => {
      if (!awaitingBack) return;
      awaitingBack = false;
      backOnGallery();
    }, 1500);
  } else if (!awaitingBack) {
    backOnGallery();
  }
  ownEntry = false;
  closingByBack = false;
}

window.addEventListener("popstate", (event) => {
  if (awaitingBack) { // the viewer's own history.back() has landed on the gallery
    awaitingBack = false;
    backOnGallery();
    return;
  }
  const viewer = pswp();
  if (viewer && ownEntry) { // Back while the viewer is open: close it
    ownEntry = false;
    closingByBack = true;
    viewer.close();
    return;
  }
  // Back or Forward while a viewer was still loading: it must not open on this entry.
  openings += 1;
  ownEntry = false;
  if (loaded) loaded.shouldOpen = false;
  const id = event.state?.darkroomViewer;
  if (id && !viewer) { // Forward onto a viewer's entry: open the viewer again, or show the photo's page
    const tile = Array.from(gallery.querySelectorAll("[data-photo-id]")).find((element) => element.dataset.photoId === id);
    const link = tile?.querySelector(VIEWABLE);
    if (link) {
      ownEntry = true;
      history.scrollRestoration = "manual";
      open(link, null, "replace");
    } else {
      window.location.reload();
    }
  }
});

// ---- the details panel and its Info button
const panel = {};

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function buildPanel(root) {
  root.id = "viewer-details";
  root.setAttribute("aria-labelledby", "viewer-details-name");
  panel.root = root;
  panel.name = element("h2", "viewer-name");
  panel.name.id = "viewer-details-name";
  panel.facts = element("dl", "viewer-facts");
  panel.actions = element("div", "viewer-actions");
  panel.original = element("a", "button button--secondary viewer-original", "Download original");
  panel.trash = element("button", "button danger viewer-trash", "Move to Trash");
  panel.trash.type = "button";
  panel.trash.addEventListener("click", moveToTrash);
  panel.actions.append(panel.original, panel.trash);
  root.append(panel.name, panel.facts, panel.actions);
  // The panel scrolls on its own: keep PhotoSwipe's wheel handler (pan and zoom the photo) out of it.
  root.addEventListener("wheel", (event) => event.stopPropagation());
  root.hidden = !isDetailsOpen();
}

function facts(link) {
  let list = [];
  try {
    list = JSON.parse(link.dataset.facts || "[]");
  } catch (error) {
    // malformed facts: show the name and the upload time only
  }
  const uploaded = new Date(link.dataset.uploaded || "");
  const rows = Array.isArray(list) ? list.filter((row) => Array.isArray(row) && row.length === 2) : [];
  if (!Number.isNaN(uploaded.getTime())) rows.push(["Uploaded", uploadedFormat.format(uploaded), link.dataset.uploaded]);
  return rows;
}

function fillPanel(link) {
  if (!panel.root) return;
  panel.name.textContent = link.dataset.filename || "";
  panel.facts.replaceChildren(...facts(link).map(([label, value, datetime]) => {
    const row = element("div");
    const dd = element("dd");
    if (datetime) {
      const time = element("time", "", value);
      time.dateTime = datetime;
      dd.append(time);
    } else {
      dd.textContent = value;
    }
    row.append(element("dt", "", label), dd);
    return row;
  }));
  const original = link.dataset.original || "";
  const hadFocus = document.activeElement === panel.original;
  panel.original.hidden = !original;
  if (original) panel.original.href = original;
  else panel.original.removeAttribute("href");
  if (hadFocus && !original) panel.trash.focus();
  panel.trash.disabled = false;
}

function isDetailsOpen() {
  return detailsOpen ?? wide.matches;
}

function setDetailsOpen(open) {
  detailsOpen = open;
  if (panel.root) panel.root.hidden = !open;
  panel.toggle?.setAttribute("aria-expanded", String(open));
  pswp()?.element?.classList.toggle("photo-viewer--details", open);
  pswp()?.updateSize(true); // refit the photo beside (or under) the panel
}

// On wide screens the open panel takes the right side: the photo fits in what is left.
let panelWidth = 0;
function paddingFn() {
  const right = isDetailsOpen() && wide.matches ? panelWidth : 0;
  return { top: 0, bottom: 0, left: 0, right };
}

function measurePanel() {
  panelWidth = panel.root && !panel.root.hidden ? panel.root.getBoundingClientRect().width : 0;
}

const INFO_ICON = {
  isCustomSVG: true,
  size: 32,
  inner: '<path id="viewer-icn-info" fill-rule="evenodd" d="M16 5a11 11 0 1 1 0 22a11 11 0 1 1 0-22zm0 2.2a8.8 8.8 0 1 0 0 17.6a8.8 8.8 0 1 0 0-17.6zM14.6 10h2.8v2.8h-2.8zm0 4.4h2.8v8h-2.8z"/>',
  outlineID: "viewer-icn-info",
};

function registerUi() {
  const viewer = pswp();
  viewer.ui.registerElement({
    name: "info",
    title: "Info (I)",
    ariaLabel: "Info",
    order: 9, // after the counter and the loading indicator, before zoom and close
    isButton: true,
    html: INFO_ICON,
    onInit: (button) => {
      panel.toggle = button;
      button.setAttribute("aria-controls", "viewer-details");
      button.setAttribute("aria-expanded", String(isDetailsOpen()));
    },
    onClick: () => setDetailsOpen(!isDetailsOpen()),
  });
  viewer.ui.registerElement({
    name: "details",
    className: "viewer-details",
    tagName: "section",
    appendTo: "root",
    onInit: buildPanel,
  });
}

// ---- Move to Trash: the gallery's own form post, for this photo; the server answers with the gallery and Undo
function moveToTrash() {
  const link = currentLink();
  const selection = document.getElementById("selection");
  const token = selection?.querySelector('input[name="csrfmiddlewaretoken"]')?.value;
  if (!link) return;
  if (!selection || !token) { // no form to copy: the photo's own page has one
    window.location.assign(link.href);
    return;
  }
  panel.trash.disabled = true;
  const form = element("form");
  form.method = "post";
  form.action = selection.action;
  form.hidden = true;
  const fields = [["csrfmiddlewaretoken", token], ["ids", photoId(link)], ["next", galleryUrl]];
  for (const [name, value] of fields) {
    const input = element("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  // Leave the viewer's history entry first, so Back after the post never returns to the photo's page.
  afterBack = () => form.submit();
  pswp().close();
}

// ---- moving through photos: the address, the panel, the tile kept on screen under the viewer
function onChange() {
  const link = currentLink();
  if (!link) return;
  showAddress(link);
  fillPanel(link);
  if (pswp()?.opener.isOpen) keepInView(link);
}

function keepInView(link) {
  const box = link.getBoundingClientRect();
  if (box.bottom > 0 && box.top < window.innerHeight) return;
  link.scrollIntoView({ block: "center", behavior: "instant" });
}

// Endless scrolling added tiles after the last one the viewer has: they join the open viewer. A tile replaced in
// place (a refreshed image) takes its old place.
document.addEventListener("darkroom:tiles-changed", () => {
  const viewer = pswp();
  if (!viewer || items.length === 0) return;
  const links = Array.from(gallery.querySelectorAll(VIEWABLE));
  const byId = new Map(links.map((link) => [photoId(link), link]));
  items.forEach((link, index) => {
    if (!link.isConnected && byId.has(photoId(link))) items[index] = byId.get(photoId(link));
  });
  const known = new Set(items);
  const last = links.indexOf(items[items.length - 1]);
  if (last < 0) return;
  const added = links.slice(last + 1).filter((link) => !known.has(link));
  if (added.length === 0) return;
  items.push(...added);
  if (viewer.currIndex + 1 === items.length - added.length) {
    viewer.refreshSlideContent(viewer.currIndex + 1); // the slide after the current one was empty
  } else {
    viewer.dispatch("change"); // the counter and the arrows
  }
});

// Tab and Shift+Tab go round the viewer's controls: PhotoSwipe's own trap lets one Tab out of the last one.
function keepFocusIn(event) {
  const root = pswp()?.element;
  if (!root) return false;
  const controls = Array.from(root.querySelectorAll("button, a[href]")).filter((control) => !control.disabled
    && control.getClientRects().length > 0 && getComputedStyle(control).visibility !== "hidden");
  if (controls.length === 0) return false;
  const first = controls[0];
  const last = controls[controls.length - 1];
  const at = document.activeElement;
  const outside = !controls.includes(at);
  if (event.shiftKey && (at === first || outside)) last.focus();
  else if (!event.shiftKey && (at === last || outside)) first.focus();
  else return false;
  event.preventDefault();
  return true;
}

// While the viewer loads and opens (PhotoSwipe reads no key until its opening animation ends), an arrow pressed is
// kept and played once it is open, so a fast keyboard user's step is not lost.
let earlyStep = null;
let openedAt = null;

function keepEarlyStep(event) {
  const step = { ArrowRight: "next", ArrowLeft: "prev" }[event.key];
  if (!step || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  earlyStep = step;
  event.preventDefault();
}

function keepSteps() {
  earlyStep = null;
  document.addEventListener("keydown", keepEarlyStep, true);
}

function stopKeepingSteps() {
  document.removeEventListener("keydown", keepEarlyStep, true);
  const step = earlyStep;
  earlyStep = null;
  return step;
}

function setUp(box) {
  loaded = box;
  box.addFilter("domItemData", (itemData, element) => {
    const thumb = element.querySelector("img");
    if (thumb && getComputedStyle(thumb).objectFit === "cover") itemData.thumbCropped = true;
    return itemData;
  });
  box.on("uiRegister", registerUi);
  box.on("afterInit", () => {
    const viewer = pswp();
    viewer.element.setAttribute("aria-label", "Photo viewer");
    viewer.element.classList.toggle("photo-viewer--details", isDetailsOpen());
  });
  box.on("beforeResize", measurePanel);
  box.on("change", onChange);
  box.on("keydown", (event) => {
    const key = event.originalEvent;
    if (key.key === "Tab") {
      if (keepFocusIn(key)) event.preventDefault();
    } else if ((key.key === "i" || key.key === "I") && !key.ctrlKey && !key.metaKey && !key.altKey) {
      event.preventDefault();
      setDetailsOpen(!isDetailsOpen());
    }
  });
  box.on("openingAnimationEnd", () => {
    const step = stopKeepingSteps();
    // After PhotoSwipe has finished opening: during this event it still counts itself as opening.
    if (step) setTimeout(() => { if (pswp()?.currIndex === openedAt) pswp()[step](); }, 0);
    const viewer = pswp();
    // Keys work at once after a pointer opened it too; a key press never reaches the tile underneath.
    if (viewer?.element && !viewer.element.contains(document.activeElement)) viewer.element.focus({ preventScroll: true });
  });
  box.on("close", onClose);
  box.on("destroy", () => {
    const link = currentLink();
    items = [];
    panel.root = null;
    panel.toggle = null;
    if (link?.isConnected) link.focus({ preventScroll: true });
  });
  return box;
}

if (gallery && gallery.dataset.photoswipe && gallery.dataset.photoswipeLightbox && gallery.dataset.photoswipeCss) {
  gallery.addEventListener("click", onGalleryClick);
  gallery.addEventListener("pointerdown", warmUp, { once: true });
}
