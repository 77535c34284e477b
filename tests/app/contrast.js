// WCAG AA check run in the page: every visible element with its own text needs a 4.5:1
// contrast between its colour and the first opaque background behind it (ancestors walked up).
// Returns the offenders as {where, text, ratio, fg, bg}.
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  // The background behind `el`: translucent layers are blended down to the first opaque one.
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const style = getComputedStyle(node);
      const image = style.backgroundImage;
      if (image && image.includes("gradient")) {
        // A gradient: judge against its darkest and lightest stops by taking the first stop.
        const stop = parse(image.match(/rgba?\([^)]+\)/)[0]);
        layers.push({ ...stop, a: 1 });
        break;
      }
      const bg = parse(style.backgroundColor);
      if (bg && bg.a > 0) {
        layers.push(bg);
        if (bg.a >= 1) break;
      }
    }
    let color = { r: 255, g: 255, b: 255, a: 1 };
    const body = parse(getComputedStyle(document.body).backgroundColor);
    if (body && body.a > 0) color = over(body, color);
    for (const layer of layers.reverse()) color = over(layer, color);
    return color;
  };
  const describe = (el) => {
    const id = el.id ? `#${el.id}` : "";
    const cls = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\s+/).slice(0, 2).join(".") : "";
    const parent = el.closest("[id]");
    return `${parent && parent !== el ? "#" + parent.id + " " : ""}${el.tagName.toLowerCase()}${id}${cls}`;
  };
  const offenders = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".hide, .sr-only") || (el.tagName === "INPUT" && ["checkbox", "radio", "range", "hidden"].includes(el.type))) continue;
    if (["SCRIPT", "STYLE", "NOSCRIPT", "svg", "path", "OPTION"].includes(el.tagName)) continue;
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    const placeholder = (el.tagName === "INPUT" || el.tagName === "TEXTAREA") && !el.value ? el.placeholder : "";
    const text = own || (el.tagName === "INPUT" || el.tagName === "TEXTAREA" ? el.value || placeholder : "");
    if (!text) continue;
    const rect = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (rect.width < 1 || rect.height < 1 || style.visibility === "hidden" || style.display === "none") continue;
    if (parseFloat(style.opacity) === 0 || el.closest("[aria-hidden=true]")) continue;
    if (el.closest("pre.atp-copytext") || el.closest(".js-plotly-plot")) continue;  // hidden copy text; plotly draws its own
    let fg = parse(placeholder && !own ? getComputedStyle(el, "::placeholder").color : style.color);
    // Transparent text is an overlay for selecting, not reading (PDF.js's text layer over the
    // page it drew on a canvas).
    if (!fg || fg.a === 0) continue;
    const bg = background(el);
    fg = over(fg, bg);
    let opacity = 1;
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) opacity *= parseFloat(getComputedStyle(node).opacity);
    if (opacity < 1) fg = over({ ...fg, a: opacity }, bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) {
      offenders.push({
        where: describe(el), text: text.slice(0, 60), ratio: Math.round(ratio * 100) / 100,
        fg: `rgb(${Math.round(fg.r)},${Math.round(fg.g)},${Math.round(fg.b)})`,
        bg: `rgb(${Math.round(bg.r)},${Math.round(bg.g)},${Math.round(bg.b)})`,
      });
    }
  }
  return offenders;
}
