// Uploads each chosen or dropped file straight to S3 with a presigned POST, then confirms it with the site.
(function () {
  "use strict";
  const uploader = document.getElementById("uploader");
  if (!uploader) return;
  const input = document.getElementById("file-input");
  const list = document.getElementById("upload-list");
  const gallery = document.getElementById("gallery");
  const csrf = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  // Some browsers leave File.type empty for HEIC; the server checks the real type again on confirm.
  const typeByExtension = { heic: "image/heic", heif: "image/heif", jpg: "image/jpeg", jpeg: "image/jpeg",
    png: "image/png", webp: "image/webp", gif: "image/gif" };

  function contentType(file) {
    if (file.type) return file.type;
    const extension = file.name.split(".").pop().toLowerCase();
    return typeByExtension[extension] || "application/octet-stream";
  }

  async function postJSON(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    const payload = await response.json().catch(() => ({ error: "The server answered " + response.status }));
    if (!response.ok) {
      throw Object.assign(new Error(payload.error || "The server answered " + response.status),
        { status: response.status });
    }
    return payload;
  }

  // Confirm is idempotent on the server, so a busy moment (5xx) or a dropped connection is worth a few tries:
  // given up, the file would sit in storage unconfirmed until the bucket's expiry removes it.
  const CONFIRM_RETRY_DELAYS_MS = [1000, 2000, 4000];

  async function confirm(body, view) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await postJSON(uploader.dataset.confirmUrl, body);
      } catch (error) {
        const retryable = error.status === undefined || error.status >= 500;  // no status: the network failed
        if (!retryable || attempt >= CONFIRM_RETRY_DELAYS_MS.length) throw error;
        view.state.textContent = "processing (trying again)";
        await new Promise((resolve) => setTimeout(resolve, CONFIRM_RETRY_DELAYS_MS[attempt]));
      }
    }
  }

  function sendToS3(presigned, file, onProgress) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      Object.entries(presigned.fields).forEach(([name, value]) => form.append(name, value));
      form.append("file", file);  // S3 requires the file to be the last field
      const request = new XMLHttpRequest();
      request.open("POST", presigned.url);
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      request.addEventListener("load", () => (request.status < 300 ? resolve() : reject(new Error(
        "The storage refused the file (" + request.status + ")."))));
      request.addEventListener("error", () => reject(new Error("The upload failed: network error.")));
      request.send(form);
    });
  }

  function row(file) {
    const item = document.createElement("li");
    item.className = "upload";
    const name = document.createElement("span");
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 1; bar.value = 0;
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "waiting";
    item.append(name, bar, state);
    list.append(item);
    return { item, bar, state };
  }

  // Each file is presigned just before its POST, and only a few files travel at once: a presigned policy is valid
  // for minutes, and a browser queues requests beyond about six per host, so presigning a hundred files up front
  // let the last ones reach S3 after their policy had expired ("Policy expired", 403).
  const PARALLEL_UPLOADS = 3;
  const waiting = [];  // { file, view } not started yet, in the order chosen
  let running = 0;

  async function upload(file, view) {
    try {
      view.state.textContent = "uploading";
      const presigned = await postJSON(uploader.dataset.presignUrl,
        { filename: file.name, content_type: contentType(file), size: file.size });
      await sendToS3(presigned, file, (fraction) => { view.bar.value = fraction; });
      view.bar.value = 1;
      view.state.textContent = "processing";
      const photo = await confirm({ key: presigned.key, filename: file.name }, view);
      const empty = document.getElementById("gallery-empty");
      if (empty) empty.remove();
      if (!gallery.querySelector('[data-photo-id="' + photo.id + '"]')) {
        gallery.insertAdjacentHTML("afterbegin", photo.html);
      }
      view.item.classList.add("done");
      view.state.textContent = "done";
      document.dispatchEvent(new CustomEvent("darkroom:photo-added"));
    } catch (error) {
      view.item.classList.add("error");
      view.state.textContent = error.message;
    }
  }

  async function work() {
    running += 1;
    while (waiting.length > 0) {
      const { file, view } = waiting.shift();
      await upload(file, view);  // never throws: a failure shows on the file's row
    }
    running -= 1;
  }

  function uploadAll(files) {
    Array.from(files).forEach((file) => waiting.push({ file, view: row(file) }));
    while (running < PARALLEL_UPLOADS && waiting.length > 0) work();
  }

  input.addEventListener("change", () => { uploadAll(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach((name) => uploader.addEventListener(name, (event) => {
    event.preventDefault(); uploader.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => uploader.addEventListener(name, (event) => {
    event.preventDefault(); uploader.classList.remove("over");
  }));
  uploader.addEventListener("drop", (event) => uploadAll(event.dataTransfer.files));
})();
