// The upload tray. Each picked or dropped file shows in the gallery at once (its own pixels, from an object URL),
// goes straight to S3 with a presigned POST, is confirmed with the site, and is followed until it is developed.
const uploader = document.getElementById("uploader");
const gallery = document.getElementById("gallery");
const tray = document.getElementById("tray");

const ALLOWED = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", gif: "image/gif",
  heic: "image/heic", heif: "image/heif" };
const ALLOWED_TYPES = new Set(Object.values(ALLOWED));
// Each file is presigned just before its POST, and only a few travel at once: a presigned policy lasts minutes,
// and a browser queues requests beyond about six per host.
const PARALLEL_UPLOADS = 3;
// Confirm is idempotent on the server: a busy moment (5xx) or a dropped connection is worth a few tries.
const CONFIRM_RETRY_DELAYS_MS = [1000, 2000, 4000];
const CLEAR_AFTER_MS = 4000;
const PREVIEWS_FIRST_MS = 250;
const IN_FLIGHT = new Set(["queued", "uploading", "confirming"]);
const STATE_TEXT = { queued: "Waiting", uploading: "Uploading", confirming: "Uploading", developing: "Developing",
  ready: "Ready", failed: "Failed", cancelled: "Cancelled" };

const entries = [];
let running = 0;
let clearTimer = null;

class UploadFailed extends Error {
  constructor(message, retryable) {
    super(message);
    this.retryable = retryable;
  }
}

function csrfToken() {
  return document.querySelector("input[name=csrfmiddlewaretoken]").value;
}

function contentType(file) {
  if (file.type) return file.type;
  return ALLOWED[file.name.split(".").pop().toLowerCase()] || "application/octet-stream";
}

// The same checks and words as the server's, so most refusals cost no request at all.
function refusal(file) {
  const type = contentType(file);
  if (!ALLOWED_TYPES.has(type)) {
    const extension = file.name.includes(".") ? file.name.split(".").pop() : "";
    const name = (extension || type.split("/")[1] || "").toUpperCase();
    const files = /^[A-Z0-9.+-]{1,20}$/.test(name) ? `${name} files` : "These files";
    return `${files} aren't supported: upload JPEG, PNG, WebP, GIF or HEIC photos.`;
  }
  if (file.size > Number(uploader.dataset.maxBytes)) {
    return `The file is larger than ${uploader.dataset.maxText}, the limit.`;
  }
  if (file.size === 0) return "The file is empty.";
  return "";
}

async function postJSON(url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new UploadFailed("The connection dropped.", true);
  }
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const retryable = response.status >= 500 || [408, 410, 429].includes(response.status);
    throw Object.assign(new UploadFailed(payload.error || `The server answered ${response.status}.`, retryable),
      { status: response.status });
  }
  return payload;
}

function sendToS3(entry, presigned) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    Object.entries(presigned.fields).forEach(([name, value]) => form.append(name, value));
    form.append("file", entry.file); // S3 requires the file to be the last field
    const request = new XMLHttpRequest();
    entry.request = request;
    request.open("POST", presigned.url);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) update(entry, { progress: event.loaded / event.total });
    });
    // A 403 is most often a policy that expired on a slow uplink: a retry presigns afresh.
    request.addEventListener("load", () => (request.status < 300 ? resolve()
      : reject(new UploadFailed(`The storage refused the file (${request.status}).`,
        request.status >= 500 || request.status === 403))));
    request.addEventListener("error", () => reject(new UploadFailed("The connection dropped.", true)));
    request.addEventListener("abort", () => reject(new UploadFailed("Cancelled.", false)));
    request.send(form);
  });
}

async function confirm(entry, key) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await postJSON(uploader.dataset.confirmUrl, { key, filename: entry.file.name, batch: entry.batch });
    } catch (error) {
      const busy = error.status === undefined || error.status >= 500 || error.status === 429;
      if (!busy || attempt >= CONFIRM_RETRY_DELAYS_MS.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, CONFIRM_RETRY_DELAYS_MS[attempt]));
    }
  }
}

class Cancelled extends Error {}

function stopIfCancelled(entry) {
  if (entry.state === "cancelled") throw new Cancelled();
}

async function upload(entry) {
  try {
    // A file already in storage whose confirm failed is only confirmed again: sending it anew could record it twice.
    if (!entry.key) {
      update(entry, { state: "uploading", progress: 0, reason: "" });
      const presigned = await postJSON(uploader.dataset.presignUrl,
        { filename: entry.file.name, content_type: contentType(entry.file), size: entry.file.size });
      stopIfCancelled(entry);
      await sendToS3(entry, presigned);
      entry.request = null;
      stopIfCancelled(entry);
      entry.key = presigned.key;
    }
    update(entry, { state: "confirming", progress: 1, reason: "" });
    const photo = await confirm(entry, entry.key);
    entry.photoId = photo.id;
    entry.tile.dataset.photoId = photo.id;
    entry.tile.dataset.status = "processing";
    settle(entry, photo);
    document.dispatchEvent(new CustomEvent("darkroom:photo-added", { detail: photo }));
  } catch (error) {
    entry.request = null;
    if (entry.state === "cancelled") return;
    if (error.status === 410) entry.key = null; // stored too long ago to confirm: a retry uploads it again
    update(entry, { state: "failed", reason: error.message, retryable: error.retryable !== false });
  }
}

// A confirmed photo is developing until the gallery's polling reports it ready or refused.
function settle(entry, photo) {
  if (photo.status === "ready") update(entry, { state: "ready" });
  else if (photo.status === "failed") update(entry, { state: "failed", reason: photo.failure, retryable: false });
  else update(entry, { state: "developing" });
}

async function work() {
  running += 1;
  for (let entry = next(); entry; entry = next()) await upload(entry); // never throws
  running -= 1;
}

function next() {
  return entries.find((entry) => entry.state === "queued");
}

function start() {
  while (running < PARALLEL_UPLOADS && next()) work();
}

function element(tag, className, text = "") {
  const made = document.createElement(tag);
  made.className = className;
  made.textContent = text;
  return made;
}

// ---- the gallery tile: the file's own pixels at once, upright as the browser shows them
function uploadsHeading() {
  let heading = gallery.querySelector('h2.day[data-day="uploads"]');
  if (!heading) {
    heading = element("h2", "day", "Just added");
    heading.dataset.day = "uploads";
    gallery.prepend(heading);
  }
  document.getElementById("gallery-empty")?.remove();
  return heading;
}

function localTile(entry) {
  const tile = element("div", "tile local");
  const frame = element("span", "tile-link");
  const name = element("span", "tile-note", entry.file.name);
  if (entry.file.type.startsWith("image/") || /\.(jpe?g|png|webp|gif)$/i.test(entry.file.name)) {
    const image = document.createElement("img");
    image.alt = entry.file.name;
    frame.append(image);
    entry.previewed = preview(entry, image, name);
  } else {
    frame.append(name);
  }
  tile.append(frame, element("span", "tile-progress"), element("span", "tile-state"));
  return tile;
}

// The file's EXIF thumbnail first, when it has one (decoding a full-size camera JPEG takes longer than a pick should
// wait), then the file itself once the browser has decoded it. Resolves once the tile has a picture.
async function preview(entry, image, name) {
  const showFile = () => {
    if (entry.released) return;
    entry.previewUrl ??= URL.createObjectURL(entry.file);
    // A file the browser cannot show (HEIC outside Safari, a text file named .jpg): a neutral tile with its name.
    image.addEventListener("error", () => image.replaceWith(name), { once: true });
    image.src = entry.previewUrl;
  };
  const thumbnail = await exifThumbnail(entry.file);
  if (!thumbnail || entry.released) {
    thumbnail?.bitmap.close();
    return showFile();
  }
  // A canvas shows the decoded thumbnail in the next frame; an <img> would wait for its own load and decode.
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", entry.file.name);
  canvas.style.transform = thumbnail.transform;
  [canvas.width, canvas.height] = [thumbnail.bitmap.width, thumbnail.bitmap.height]; // else 300x150, stretched
  canvas.getContext("bitmaprenderer").transferFromImageBitmap(thumbnail.bitmap);
  image.replaceWith(canvas);
  decodedInTurn(entry).then(() => {
    if (entry.released) return;
    showFile();
    image.decode().then(() => canvas.replaceWith(image), () => canvas.replaceWith(name));
  });
}

// { bitmap, transform } of the file's EXIF thumbnail, or null, from the workers of exif_thumbnail.js. Two of them,
// taking a batch's files in turn, read and decode in parallel; each gets the batch in one message, since each
// message costs the page about half a millisecond.
const THUMBNAIL_WORKERS = 2;
const thumbnailFinder = { workers: [], waiting: new Map(), next: 0, unsent: [] };
function exifThumbnail(file) {
  const finder = thumbnailFinder;
  if (!finder.workers.length) return Promise.resolve(null);
  const id = finder.next++;
  if (!finder.unsent.length) queueMicrotask(() => sendThumbnailBatch(finder));
  finder.unsent.push({ id, file });
  return new Promise((resolve) => finder.waiting.set(id, resolve));
}

function sendThumbnailBatch(finder) {
  const batch = finder.unsent.splice(0);
  finder.workers.forEach((worker, index) => {
    worker.postMessage(batch.filter((_, position) => position % finder.workers.length === index));
  });
  if (!finder.workers.length) batch.forEach(({ id }) => answerThumbnail(finder, id, null));
}

function answerThumbnail(finder, id, thumbnail) {
  finder.waiting.get(id)?.(thumbnail);
  finder.waiting.delete(id);
}

function startThumbnailFinder() {
  const finder = thumbnailFinder;
  for (let index = 0; index < THUMBNAIL_WORKERS; index++) {
    const worker = new Worker(uploader.dataset.exifThumbnail);
    worker.addEventListener("message", ({ data }) => answerThumbnail(finder, data.id, data.thumbnail));
    worker.addEventListener("error", () => { // workers that cannot start: every file shows itself
      finder.workers = [];
      [...finder.waiting.keys()].forEach((id) => answerThumbnail(finder, id, null));
    });
    finder.workers.push(worker);
  }
}

// Full-size files are decoded one at a time, each after a frame: reading one takes the page's thread for a few
// milliseconds, which would hold back the frame that paints the batch's other thumbnails.
let decoding = Promise.resolve();
function decodedInTurn(entry) {
  decoding = decoding.then(afterNextFrame).then(() => {
    if (entry.released) return undefined;
    entry.previewUrl ??= URL.createObjectURL(entry.file);
    const full = new Image();
    full.src = entry.previewUrl;
    return full.decode().catch(() => {}); // a file that cannot be decoded ends as a neutral tile
  });
  return decoding;
}

function afterNextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

function releasePreview(entry) {
  if (entry.previewUrl) URL.revokeObjectURL(entry.previewUrl);
  entry.previewUrl = null;
  entry.released = true;
}

// ---- the tray: one summary line, per-file detail on demand
function row(entry) {
  const item = element("li", "tray-file");
  const name = element("span", "tray-name", entry.file.name);
  name.title = entry.file.name;
  const state = element("span", "tray-state");
  const retry = button("Retry", () => retryEntry(entry), entry.file.name);
  const cancel = button("Cancel", () => cancelEntry(entry), entry.file.name);
  item.append(name, state, retry, cancel);
  return item;
}

function button(label, action, fileName) {
  const made = element("button", "button button--secondary small", label);
  made.type = "button";
  made.setAttribute("aria-label", `${label} ${fileName}`);
  made.hidden = true;
  made.addEventListener("click", action);
  return made;
}

function update(entry, changes) {
  Object.assign(entry, changes);
  const [, state, retry, cancel] = entry.row.children;
  state.textContent = entry.state === "failed" ? entry.reason : STATE_TEXT[entry.state]
    + (entry.state === "uploading" ? ` ${Math.round(entry.progress * 100)}%` : "");
  entry.row.dataset.state = entry.state;
  retry.hidden = !(entry.state === "failed" && entry.retryable);
  cancel.hidden = !(entry.state === "queued" || entry.state === "uploading");
  entry.tile.dataset.uploadState = entry.state;
  const tileState = entry.tile.querySelector(".tile-state");
  if (tileState) tileState.textContent = entry.state === "failed" ? entry.reason : STATE_TEXT[entry.state];
  entry.tile.style.setProperty("--progress", String(entry.progress || 0));
  summarize();
}

function count(state) {
  return entries.filter((entry) => (Array.isArray(state) ? state.includes(entry.state) : entry.state === state))
    .length;
}

function summarize() {
  const active = entries.filter((entry) => entry.state !== "cancelled");
  const sending = count(["queued", "uploading", "confirming"]);
  const developing = count("developing");
  const failed = count("failed");
  const ready = count("ready");
  const parts = [];
  if (sending) parts.push(`Uploading ${Math.min(active.length - sending + 1, active.length)} of ${active.length}`);
  if (developing) parts.push(`${developing} developing`);
  if (ready && (sending || developing)) parts.push(`${ready} ready`);
  if (!sending && !developing && ready) parts.push(ready === 1 ? "1 photo ready" : `${ready} photos ready`);
  if (failed) parts.push(`${failed} failed`);
  const summary = tray.querySelector(".tray-summary");
  const text = parts.join(" · ");
  if (summary.textContent !== text) summary.textContent = text; // a live region: speak changes, not progress ticks
  const progress = active.reduce((sum, entry) => sum + (IN_FLIGHT.has(entry.state) ? entry.progress || 0 : 1), 0);
  tray.querySelector(".tray-progress").value = active.length ? progress / active.length : 1;
  tray.classList.toggle("has-failures", failed > 0);
  tray.querySelector(".tray-close").hidden = sending + developing > 0;
  clearTimeout(clearTimer);
  // Everything developed: the tray has nothing left to say. Failures stay until the owner closes the tray.
  if (active.length && ready === active.length) clearTimer = setTimeout(clearTray, CLEAR_AFTER_MS);
  if (!active.length) clearTray();
}

function clearTray() {
  if (entries.some((entry) => IN_FLIGHT.has(entry.state) || entry.state === "developing")) return;
  entries.splice(0).forEach((entry) => {
    entry.row.remove();
    if (entry.state !== "ready" && entry.tile.classList.contains("local")) entry.tile.remove();
    releasePreview(entry);
  });
  tray.hidden = true;
  document.body.classList.remove("tray-open");
}

function retryEntry(entry) {
  update(entry, { state: "queued", reason: "", progress: 0 });
  start();
}

function cancelEntry(entry) {
  const request = entry.request;
  update(entry, { state: "cancelled" });
  request?.abort();
  forget(entry);
}

// The file leaves the tray and, while it is still only a preview, the gallery.
function forget(entry) {
  entry.row.remove();
  if (entry.tile.classList.contains("local")) entry.tile.remove();
  releasePreview(entry);
  entries.splice(entries.indexOf(entry), 1);
  summarize();
}

function add(files) {
  const heading = uploadsHeading();
  let after = heading;
  // The files picked together are one batch: the site sends one email once they have all settled.
  const batch = window.crypto?.randomUUID ? { id: crypto.randomUUID(), size: 0 } : undefined;
  Array.from(files).forEach((file) => {
    const entry = { file, state: "queued", progress: 0, reason: "", retryable: true, batch };
    entry.tile = localTile(entry);
    entry.row = row(entry);
    after.after(entry.tile);
    after = entry.tile;
    tray.querySelector(".tray-files").append(entry.row);
    entries.push(entry);
    const refused = refusal(file);
    update(entry, refused ? { state: "failed", reason: refused, retryable: false } : {});
    if (batch && !refused) batch.size += 1;
  });
  tray.hidden = false;
  document.body.classList.add("tray-open");
  document.dispatchEvent(new CustomEvent("darkroom:tiles-changed"));
  // The previews first, for a moment at most: the uploads' requests and file reads would slow them down.
  const previewed = Promise.all(entries.map((entry) => entry.previewed));
  Promise.race([previewed, new Promise((resolve) => setTimeout(resolve, PREVIEWS_FIRST_MS))]).then(start);
}

function onSettled(event) {
  const photo = event.detail;
  entries.filter((entry) => entry.photoId === photo.id).forEach((entry) => {
    // The gallery swapped the local tile for the developed one: the tray follows that tile from now on.
    entry.tile = gallery.querySelector(`[data-photo-id="${photo.id}"]`) || entry.tile;
    releasePreview(entry);
    if (photo.status === "gone") forget(entry);
    else settle(entry, photo);
  });
}

function toggleDetails() {
  const toggle = tray.querySelector(".tray-toggle");
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  toggle.textContent = open ? "Hide details" : "Details";
  tray.querySelector(".tray-files").hidden = !open;
}

function closeTray() {
  entries.filter((entry) => entry.state === "failed").forEach((entry) => update(entry, { state: "cancelled" }));
  entries.filter((entry) => entry.state === "cancelled").forEach((entry) => {
    if (entry.tile.classList.contains("local")) entry.tile.remove();
  });
  clearTray();
}

function hasFiles(event) {
  return Array.from(event.dataTransfer?.types || []).includes("Files");
}

if (uploader && gallery && tray) {
  startThumbnailFinder();
  const input = document.getElementById("file-input");
  input.addEventListener("change", () => {
    add(input.files);
    input.value = "";
  });
  document.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    document.body.classList.add("dropping");
  });
  document.addEventListener("dragleave", (event) => {
    if (event.relatedTarget === null) document.body.classList.remove("dropping");
  });
  document.addEventListener("drop", (event) => {
    document.body.classList.remove("dropping");
    if (!hasFiles(event)) return;
    event.preventDefault();
    add(event.dataTransfer.files);
  });
  tray.querySelector(".tray-toggle").addEventListener("click", toggleDetails);
  tray.querySelector(".tray-close").addEventListener("click", closeTray);
  document.addEventListener("darkroom:photo-settled", onSettled);
  // Leaving mid-upload would lose the files not sent yet: the browser asks first.
  window.addEventListener("beforeunload", (event) => {
    if (entries.some((entry) => IN_FLIGHT.has(entry.state))) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}
