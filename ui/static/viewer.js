// Opens /pdf/<doc> at ?page=N with PDF.js and marks the passage ?q= on that page's text layer.
import * as pdfjs from "/atp-static/pdfjs/pdf.min.mjs";

pdfjs.GlobalWorkerOptions.workerSrc = "/atp-static/pdfjs/pdf.worker.min.mjs";
const params = new URLSearchParams(location.search);
const doc = params.get("doc") || "";
const passage = params.get("q") || "";
const $ = (id) => document.getElementById(id);
let pdf = null;
let labels = null;
let current = Math.max(1, parseInt(params.get("page") || "1", 10) || 1);

// Letters and digits only, lower-cased: pypdf's text (which the quote comes from) and PDF.js's
// differ in spaces, hyphens and ligatures, never in the letters themselves.
const flat = (text) => text.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");

function pageName(n) {
  const label = labels ? labels[n - 1] : n === current ? params.get("label") : null;
  const printed = label && label !== String(n) ? ` (printed ${label})` : "";
  return `p. ${n}${printed}`;
}

async function show(n) {
  current = Math.min(Math.max(1, n), pdf.numPages);
  const page = await pdf.getPage(current);
  const width = Math.min(document.documentElement.clientWidth - 16, 1000);
  const base = page.getViewport({ scale: 1 });
  const viewport = page.getViewport({ scale: width / base.width });
  const ratio = window.devicePixelRatio || 1;
  const canvas = $("canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  const box = $("page");
  box.style.setProperty("--total-scale-factor", viewport.scale);
  await page.render({
    canvas, canvasContext: canvas.getContext("2d"), viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
  }).promise;
  const layer = $("text");
  layer.replaceChildren();
  const text = new pdfjs.TextLayer({
    textContentSource: page.streamTextContent(), container: layer, viewport,
  });
  await text.render();
  $("where").textContent = `${pageName(current)} of ${pdf.numPages}`;
  $("prev").disabled = current <= 1;
  $("next").disabled = current >= pdf.numPages;
  $("download").href = `/pdf/${encodeURIComponent(doc)}#page=${current}`;
  history.replaceState(null, "", `?${new URLSearchParams({ ...Object.fromEntries(params), page: current })}`);
  const marked = passage ? mark(layer, passage) : 0;
  $("note").textContent = !passage ? "" : marked
    ? "The cited passage is highlighted."
    : "The cited passage is not on this page's text layer; it is on the page cited in the answer.";
  document.body.dataset.ready = "true";
}

// Marks the text spans covering the passage: each 24-letter piece of it is looked up in order,
// so a passage whose extraction differs somewhere is still marked everywhere else.
function mark(layer, quote) {
  const spans = [...layer.querySelectorAll("span")].filter((s) => !s.children.length);
  let page = "";
  const owner = [];
  for (const span of spans) {
    const part = flat(span.textContent);
    page += part;
    for (let i = 0; i < part.length; i++) owner.push(span);
  }
  const wanted = flat(quote);
  const hit = new Set();
  const size = 24;
  let from = 0;
  for (let i = 0; i < wanted.length; i += size) {
    const piece = wanted.slice(i, i + size);
    if (piece.length < 8 && i > 0) break;
    const at = page.indexOf(piece, from);
    if (at < 0) continue;
    for (let k = at; k < at + piece.length; k++) hit.add(owner[k]);
    from = at + piece.length;
  }
  for (const span of hit) span.classList.add("atp-hl");
  const first = spans.find((s) => hit.has(s));
  if (first) first.scrollIntoView({ block: "center" });
  return hit.size;
}

async function open() {
  if (!doc) {
    $("where").textContent = "No document given.";
    return;
  }
  document.title = `${doc}, source page`;
  try {
    pdf = await pdfjs.getDocument({ url: `/pdf/${encodeURIComponent(doc)}` }).promise;
    labels = await pdf.getPageLabels();
    await show(current);
  } catch (err) {
    $("where").textContent = "The PDF could not be opened.";
    $("note").textContent = `${err && err.message ? err.message : err}. Try the link to the PDF itself.`;
    $("download").href = `/pdf/${encodeURIComponent(doc)}`;
    document.body.dataset.ready = "error";
  }
}

$("prev").addEventListener("click", () => show(current - 1));
$("next").addEventListener("click", () => show(current + 1));
open();
