// Replaces processing placeholders with their renditions as they become ready, without reloading the page.
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

  document.addEventListener("darkroom:photo-added", schedule);
  schedule();
})();
