// Replaces processing placeholders with their renditions as they become ready, without reloading the page,
// and gives a card whose image fails to load fresh image URLs (they are presigned, so they expire).
(function () {
  "use strict";
  const gallery = document.getElementById("gallery");
  if (!gallery) return;
  const statusUrl = gallery.dataset.statusUrl;
  let delay = 1000;
  let timer = null;

  function pendingIds() {
    const ids = Array.from(gallery.querySelectorAll('[data-status="processing"]')).map((el) => el.dataset.photoId);
    return Array.from(new Set(ids));
  }

  async function poll() {
    timer = null;
    const ids = pendingIds().slice(0, 100);
    if (ids.length === 0) return;
    try {
      const url = new URL(statusUrl, window.location.href);
      url.searchParams.set("ids", ids.join(","));
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok) {
        const { photos } = await response.json();
        Object.entries(photos).forEach(([id, photo]) => {
          if (photo.status === "processing") return;
          const card = gallery.querySelector('[data-photo-id="' + id + '"]');
          if (card) card.outerHTML = photo.html;
        });
        delay = 1000;
      } else {
        delay = Math.min(delay * 2, 15000);
      }
    } catch (error) {
      delay = Math.min(delay * 2, 15000);  // offline or server busy: back off, keep trying
    }
    schedule();
  }

  function schedule() {
    if (timer === null && pendingIds().length > 0) timer = setTimeout(poll, delay);
  }

  // A lazy image loads only when scrolled to, and srcset may pick another size later: on a page left open, either
  // can meet an expired URL. Such a card is fetched again once; an image that still fails stays broken (no loop).
  const refreshed = new Set();

  async function refresh(card) {
    const id = card.dataset.photoId;
    if (refreshed.has(id)) return;
    refreshed.add(id);
    try {
      const url = new URL(statusUrl, window.location.href);
      url.searchParams.set("ids", id);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const photo = (await response.json()).photos[id];
      if (photo && card.isConnected) card.outerHTML = photo.html;
    } catch (error) {
      // offline: the image stays broken until the page is reloaded
    }
  }

  function imageFailed(image) {
    const card = image.closest("[data-photo-id]");
    if (card && gallery.contains(card) && card.dataset.status === "ready") refresh(card);
  }

  // error does not bubble: listen in the capture phase, which also covers cards swapped in later.
  gallery.addEventListener("error", (event) => {
    if (event.target instanceof HTMLImageElement) imageFailed(event.target);
  }, true);
  // An image may have failed before this deferred script ran.
  gallery.querySelectorAll("img").forEach((image) => {
    if (image.complete && image.naturalWidth === 0 && image.currentSrc) imageFailed(image);
  });

  document.addEventListener("darkroom:photo-added", schedule);
  schedule();
})();
