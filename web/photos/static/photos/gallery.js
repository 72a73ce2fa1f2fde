// The gallery after the server's render: blurred placeholders from each photo's ThumbHash, endless scrolling,
// developing photos swapped for their finished tiles, expired image links refreshed, times in the visitor's zone.
const gallery = document.getElementById("gallery");
const POLL_EVERY_MS = 1000;
const POLL_AT_MOST_MS = 15000;
const MAX_IDS = 100;

function tilesChanged() {
  document.dispatchEvent(new CustomEvent("darkroom:tiles-changed"));
}

// ---- placeholders: a photo's ThumbHash (a few dozen bytes in the page) painted behind it until it loads.
// Only tiles whose image is still on its way, near the screen, a few per task: decoding costs the main thread.
const PAINT_PER_TASK = 4;
let thumbhash = null;
const waiting = [];

const nearForPaint = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => entries.forEach((entry) => {
    if (!entry.isIntersecting) return;
    nearForPaint.unobserve(entry.target);
    waiting.push(entry.target);
    if (waiting.length === 1) setTimeout(paintSome, 0);
  }), { rootMargin: "600px 0px" })
  : null;

function paintPlaceholders(root) {
  root.querySelectorAll(":is([data-color], [data-thumbhash]):not([data-painted])").forEach((tile) => {
    if (tile.dataset.color) tile.style.backgroundColor = tile.dataset.color;
    tile.dataset.painted = "";
    const image = tile.querySelector("img");
    if (tile.dataset.thumbhash && nearForPaint && !(image?.complete && image.naturalWidth > 0)) {
      nearForPaint.observe(tile);
    }
  });
}

async function paintSome() {
  thumbhash = thumbhash || import(gallery.dataset.thumbhash);
  const { thumbHashToDataURL } = await thumbhash;
  waiting.splice(0, PAINT_PER_TASK).forEach((tile) => {
    const image = tile.querySelector("img");
    if (image?.complete && image.naturalWidth > 0) return; // loaded meanwhile: nothing to stand in for
    try {
      const bytes = Uint8Array.from(atob(tile.dataset.thumbhash), (char) => char.charCodeAt(0));
      tile.style.backgroundImage = `url(${thumbHashToDataURL(bytes)})`;
    } catch (error) {
      // a malformed hash leaves the dominant colour as the placeholder
    }
  });
  if (waiting.length) setTimeout(paintSome, 0);
}

// ---- endless scrolling: the "Older photos" link is fetched as a fragment when it comes near the screen
const nearScreen = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => entries.forEach((entry) => {
    if (entry.isIntersecting) loadMore(entry.target);
  }), { rootMargin: "1200px 0px" })
  : null;

function watchMore() {
  const more = gallery.querySelector("a.more[data-next]");
  if (more && nearScreen) nearScreen.observe(more);
}

async function loadMore(link) {
  if (link.getAttribute("aria-busy") === "true") return;
  nearScreen?.unobserve(link);
  link.setAttribute("aria-busy", "true");
  link.textContent = "Loading older photos…";
  try {
    const response = await fetch(link.dataset.next, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`The server answered ${response.status}`);
    const fragment = document.createElement("template");
    fragment.innerHTML = await response.text();
    const firstHeading = fragment.content.firstElementChild;
    const headings = gallery.querySelectorAll("h2.day");
    const lastHeading = headings[headings.length - 1];
    // The next step often goes on with the same day: its heading is already on the page.
    if (firstHeading?.matches("h2.day") && lastHeading && firstHeading.dataset.day === lastHeading.dataset.day) {
      firstHeading.remove();
    }
    // A photo developed since the page loaded may have moved down to the day it was taken: show it once.
    fragment.content.querySelectorAll("[data-photo-id]").forEach((tile) => {
      if (gallery.querySelector(`[data-photo-id="${tile.dataset.photoId}"]`)) tile.remove();
    });
    link.replaceWith(fragment.content);
    paintPlaceholders(gallery);
    watchMore();
    schedulePoll();
    tilesChanged();
  } catch (error) {
    link.removeAttribute("aria-busy");
    link.textContent = "Could not load older photos: try again";
  }
}

gallery?.addEventListener("click", (event) => {
  const link = event.target.closest("a.more[data-next]");
  if (!link) return;
  event.preventDefault();
  loadMore(link);
});

// ---- developing photos: polled until settled, then their finished markup replaces them without a flash
let delay = POLL_EVERY_MS;
let timer = null;

function developingIds() {
  const ids = Array.from(gallery.querySelectorAll('[data-photo-id][data-status="processing"]'))
    .map((element) => element.dataset.photoId);
  return Array.from(new Set(ids)).slice(0, MAX_IDS);
}

async function statusOf(ids) {
  const url = new URL(gallery.dataset.statusUrl, window.location.href);
  url.searchParams.set("ids", ids.join(","));
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`The server answered ${response.status}`);
  return (await response.json()).photos;
}

// The finished tile's image is fetched and decoded before it goes in, so the preview never blinks to blank.
async function ready(element) {
  const image = element.querySelector("img");
  if (!image) return;
  image.loading = "eager";
  const probe = new Image();
  probe.sizes = image.sizes;
  probe.srcset = image.srcset;
  probe.src = image.src;
  try {
    await probe.decode();
  } catch (error) {
    // it will load (or fail and be refreshed) in place
  }
}

async function swap(current, photo) {
  const template = document.createElement("template");
  template.innerHTML = photo.html.trim();
  const next = template.content.firstElementChild;
  await ready(next);
  if (!current.isConnected) return;
  next.dataset.painted = ""; // its image is decoded: no placeholder needed
  const checkbox = current.querySelector(".pick input");
  if (checkbox?.checked) next.querySelector(".pick input").checked = true;
  current.replaceWith(next);
  paintPlaceholders(next.parentElement || gallery);
  localTimes(next);
  tilesChanged();
}

// A photo the status leaves out was trashed or deleted meanwhile (another tab, another device): it leaves the page.
function gone(id) {
  gallery.querySelectorAll(`[data-photo-id="${id}"]`).forEach((element) => element.remove());
  document.dispatchEvent(new CustomEvent("darkroom:photo-settled", { detail: { id, status: "gone", failure: "" } }));
  tilesChanged();
}

async function poll() {
  timer = null;
  const ids = developingIds();
  if (ids.length === 0) return;
  try {
    const photos = await statusOf(ids);
    ids.filter((id) => !(id in photos)).forEach(gone);
    await Promise.all(Object.values(photos).map(async (photo) => {
      if (photo.status === "processing") return;
      const current = gallery.querySelectorAll(`[data-photo-id="${photo.id}"]`);
      await Promise.all(Array.from(current).map((element) => swap(element, photo)));
      document.dispatchEvent(new CustomEvent("darkroom:photo-settled", { detail: photo }));
    }));
    delay = POLL_EVERY_MS;
  } catch (error) {
    delay = Math.min(delay * 2, POLL_AT_MOST_MS); // offline or the server busy: back off, keep trying
  }
  schedulePoll();
}

function schedulePoll() {
  if (timer === null && developingIds().length > 0) timer = setTimeout(poll, delay);
}

// ---- expired image links: image URLs are presigned, so a page left open meets expired ones; each tile is
// fetched again once (an image that still fails stays broken: no loop)
const refreshed = new Set();

async function refresh(element) {
  const id = element.dataset.photoId;
  if (refreshed.has(id)) return;
  refreshed.add(id);
  try {
    const photo = (await statusOf([id]))[id];
    if (photo && element.isConnected) await swap(element, photo);
  } catch (error) {
    // offline: the image stays broken until the page is reloaded
  }
}

function imageFailed(image) {
  const element = image.closest("[data-photo-id]");
  if (element && gallery.contains(element) && element.dataset.status === "ready") refresh(element);
}

// ---- times: shown in the visitor's own time zone (the server writes UTC)
function localTimes(root) {
  const times = root.querySelectorAll("time[data-local-time]");
  if (times.length === 0) return;
  // The site's time format (TIME_FORMAT in web/photos/facts.py), in the visitor's own time zone.
  const format = new Intl.DateTimeFormat("en-GB", {
    weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  times.forEach((time) => {
    const moment = new Date(time.getAttribute("datetime"));
    if (!Number.isNaN(moment.getTime())) time.textContent = format.format(moment);
  });
}

if (gallery) {
  // error does not bubble: listen in the capture phase, which also covers tiles added later.
  gallery.addEventListener("error", (event) => {
    if (event.target instanceof HTMLImageElement) imageFailed(event.target);
  }, true);
  gallery.querySelectorAll("img").forEach((image) => {
    if (image.complete && image.naturalWidth === 0 && image.currentSrc) imageFailed(image);
  });
  document.addEventListener("darkroom:photo-added", schedulePoll);
  paintPlaceholders(gallery);
  localTimes(document);
  watchMore();
  schedulePoll();
}
