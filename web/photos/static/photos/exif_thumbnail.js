// A worker that finds and decodes a JPEG's own EXIF thumbnail: the small copy (about 160 px, a few KB) that cameras
// and phones store in the file's EXIF (IFD1). A tile shows it at once, while the browser decodes the full-size file.
// In a worker because reading the start of 20 files and decoding their thumbnails would hold up the page's thread.
// The page posts a list of { id, file }; for each it gets { id, thumbnail } back as soon as it is ready, thumbnail
// being { bitmap, transform } (the ImageBitmap is transferred, not copied) or null.

// EXIF sits in APP1, at most 64 KiB long, after the file's first marker and at most an APP0 (JFIF) of a few bytes.
const HEAD_BYTES = 65 * 1024;
const TAG = { orientation: 0x0112, exifIfd: 0x8769, width: 0xa002, height: 0xa003, thumbnailAt: 0x0201,
  thumbnailLength: 0x0202 };
// The thumbnail's pixels are stored as the sensor saw them: the CSS that turns them upright, per EXIF Orientation.
const UPRIGHT = { 2: "scaleX(-1)", 3: "rotate(180deg)", 4: "scaleY(-1)", 5: "rotate(-90deg) scaleX(-1)",
  6: "rotate(90deg)", 7: "rotate(90deg) scaleX(-1)", 8: "rotate(-90deg)" };
const SHORT = 3;

self.addEventListener("message", ({ data }) => data.forEach(async ({ id, file }) => {
  const thumbnail = await exifThumbnail(file).catch(() => null);
  self.postMessage({ id, thumbnail }, thumbnail ? [thumbnail.bitmap] : []);
}));

// The file's thumbnail, or null when it has none (or is not a JPEG at all), when it cannot be decoded, or when its
// shape is not the photo's: some cameras letterbox it, and a square tile should not show black bars.
async function exifThumbnail(file) {
  if (file.type !== "image/jpeg" && !/\.jpe?g$/i.test(file.name)) return null;
  const view = new DataView(await file.slice(0, HEAD_BYTES).arrayBuffer());
  const found = thumbnailIn(view);
  if (!found) return null;
  const bitmap = await createImageBitmap(new Blob([found.bytes], { type: "image/jpeg" }));
  const letterboxed = found.aspect && Math.abs(bitmap.width / bitmap.height / found.aspect - 1) > 0.03;
  if (letterboxed) {
    bitmap.close();
    return null;
  }
  return { bitmap, transform: found.transform };
}

// { bytes, transform, aspect } from the file's EXIF, or null; aspect is the photo's width / height when EXIF has it.
function thumbnailIn(view) {
  try {
    const tiff = exifStart(view);
    return tiff === null ? null : thumbnailAt(view, tiff);
  } catch (error) {
    if (error instanceof RangeError) return null; // a cut or malformed header: the full file will do
    throw error;
  }
}

function exifStart(view) {
  if (view.getUint16(0) !== 0xffd8) return null;
  for (let at = 2; at + 10 <= view.byteLength; at += 2 + view.getUint16(at + 2)) {
    const marker = view.getUint16(at);
    if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null; // the image data: no EXIF came first
    if (marker === 0xffe1 && view.getUint32(at + 4) === 0x45786966) return at + 10; // "Exif\0\0", then TIFF
  }
  return null;
}

function thumbnailAt(view, tiff) {
  const little = view.getUint16(tiff) === 0x4949;
  const read = {
    short: (at) => view.getUint16(tiff + at, little),
    long: (at) => view.getUint32(tiff + at, little),
  };
  const [photo, next] = directory(read, read.long(4));
  if (!next) return null;
  const [thumbnail] = directory(read, next);
  const at = thumbnail.get(TAG.thumbnailAt);
  const length = thumbnail.get(TAG.thumbnailLength);
  if (!at || !length || tiff + at + length > view.byteLength) return null;
  const [details] = photo.has(TAG.exifIfd) ? directory(read, photo.get(TAG.exifIfd)) : [new Map()];
  const [width, height] = [details.get(TAG.width), details.get(TAG.height)];
  return {
    bytes: new Uint8Array(view.buffer, tiff + at, length),
    transform: UPRIGHT[photo.get(TAG.orientation)] || "",
    aspect: width && height ? width / height : null,
  };
}

// One TIFF directory: its tags' first values (a SHORT or a LONG), and where the next directory starts.
function directory(read, at) {
  const values = new Map();
  const count = read.short(at);
  for (let index = 0; index < count; index++) {
    const entry = at + 2 + index * 12;
    values.set(read.short(entry), read.short(entry + 2) === SHORT ? read.short(entry + 8) : read.long(entry + 8));
  }
  return [values, read.long(at + 2 + count * 12)];
}
