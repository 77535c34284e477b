"""The look: a calm theme with system fonts (nothing is fetched from the internet), source
cards, and a small script for the per-answer copy button."""

from __future__ import annotations

import gradio as gr

SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")


def theme() -> gr.themes.Base:
    return gr.themes.Soft(
        primary_hue="teal",
        secondary_hue="amber",
        neutral_hue="slate",
        font=SYSTEM_FONTS,
        font_mono=MONO_FONTS,
        radius_size="md",
    ).set(
        body_background_fill="#f6f8fa",
        block_radius="12px",
        button_primary_background_fill="#0f766e",
        button_primary_background_fill_hover="#115e59",
    )


CSS = """
.gradio-container { width: 100% !important; max-width: 1280px !important; margin: 0 auto !important; }
#atp-header { padding: 18px 22px; border-radius: 14px; color: #fff;
  background: linear-gradient(120deg, #0f3d56 0%, #0f766e 100%); margin-bottom: 4px; }
#atp-header h1 { margin: 0 0 4px 0; font-size: 1.55rem; color: #fff; font-weight: 650; }
#atp-header p { margin: 0; color: #d7efec; font-size: 0.95rem; max-width: 900px; }
#atp-status { min-height: 0; }
.atp-status { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; font-size: 0.88rem;
  color: #334155; }
.atp-pill { background: #e2f3f1; color: #0f5d57; border-radius: 999px; padding: 2px 10px; }
.atp-pill.atp-busy { background: #fef3c7; color: #92400e; }
.atp-pill.atp-bad { background: #fee2e2; color: #991b1b; }
#atp-chat button.example { border: 1px solid #d5e3e1 !important; border-radius: 12px !important;
  background: #f8fbfb !important; text-align: left; }
#atp-chat button.example:hover { border-color: #0f766e !important; background: #eefaf8 !important; }
.atp-answer .atp-text { line-height: 1.6; }
.atp-streaming .atp-text { color: #475569; }
.atp-muted { color: #64748b; }
a.atp-cite { text-decoration: none !important; font-weight: 600; color: #0f766e !important;
  font-size: 0.85em; vertical-align: super; padding: 0 1px; }
.atp-refused .atp-text { color: #7c2d12; }
.atp-error .atp-text { color: #991b1b; }
.atp-sources { margin-top: 12px; display: flex; flex-direction: column; gap: 8px; }
.atp-sources-head { font-size: 0.78rem; text-transform: uppercase; letter-spacing: .06em;
  color: #64748b; font-weight: 600; }
.atp-card { border: 1px solid #e2e8f0; border-left: 4px solid #0f766e; border-radius: 10px;
  padding: 10px 12px; background: #fff; }
.atp-refused .atp-card { border-left-color: #d97706; }
.atp-card:target { box-shadow: 0 0 0 3px #99f6e4; }
.atp-card-head { font-size: 0.92rem; line-height: 1.7; }
.atp-card-head > span { margin-right: 6px; }
.atp-n { display: inline-block; text-align: center; min-width: 1.5em; border-radius: 6px;
  background: #0f766e; color: #fff; font-size: 0.8rem; font-weight: 700; padding: 0 5px; }
.atp-refused .atp-n { background: #d97706; }
.atp-title { font-weight: 600; color: #0f172a; }
.atp-kind { font-weight: 600; color: #0f3d56; }
.atp-year, .atp-page { color: #475569; font-size: 0.82rem; background: #f1f5f9;
  border-radius: 6px; padding: 1px 6px; white-space: nowrap; }
.atp-answer blockquote.atp-quote, .atp-quote { margin: 8px 0 6px 0 !important;
  padding: 6px 10px !important; border-left: 3px solid #cbd5e1 !important; color: #334155;
  font-style: normal; background: #f8fafc; border-radius: 4px; font-size: 0.92rem; }
.atp-quote mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
.atp-links { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 0.88rem;
  justify-content: flex-start; text-align: left; }
.atp-links a { color: #0f766e !important; font-weight: 600; padding: 0 !important; }
.atp-tools { display: flex; gap: 12px; align-items: center; margin-top: 10px; }
button.atp-copy { border: 1px solid #cbd5e1; border-radius: 8px; padding: 3px 10px;
  background: #fff; color: #334155; font-size: 0.82rem; cursor: pointer; }
button.atp-copy:hover { background: #f1f5f9; }
.atp-meta { color: #94a3b8; font-size: 0.78rem; }
pre.atp-copytext { display: none !important; }
.atp-notice { border-radius: 10px; padding: 10px 14px; font-size: 0.92rem; white-space: normal; }
.atp-notice.atp-info { background: #eff6ff; color: #1e3a8a; border: 1px solid #bfdbfe; }
.atp-notice.atp-ok { background: #ecfdf5; color: #065f46; border: 1px solid #a7f3d0; }
.atp-notice.atp-warn { background: #fffbeb; color: #92400e; border: 1px solid #fde68a; }
.atp-notice.atp-error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; }
.atp-table-wrap { overflow-x: auto; }
.atp-table-wrap { background: #fff; border: 1px solid #e2e8f0; border-radius: 12px;
  padding: 4px 8px; }
table.atp-library { width: 100%; border-collapse: collapse !important; font-size: 0.88rem;
  border: none !important; }
table.atp-library th { text-align: left; color: #475569; font-weight: 600; background: none;
  border: none !important; border-bottom: 2px solid #e2e8f0 !important; padding: 8px;
  white-space: nowrap; }
table.atp-library td { border: none !important; border-bottom: 1px solid #eef2f7 !important;
  padding: 8px; vertical-align: top; }
table.atp-library tr:last-child td { border-bottom: none !important; }
table.atp-library tr { border: none !important; padding: 0 !important; }
table.atp-library .atp-nowrap { white-space: nowrap; }
.atp-doc-title a { color: #0f172a !important; text-decoration: none; padding: 0 !important; }
.atp-doc-title a:hover { color: #0f766e; text-decoration: underline; }
table.atp-library td.atp-num { text-align: right; }
.atp-doc-title { font-weight: 600; color: #0f172a; }
.atp-doc-id { color: #94a3b8; font-size: 0.78rem; font-family: ui-monospace, monospace; }
.atp-year-head { display: flex; gap: 12px; align-items: baseline; margin-bottom: 8px; }
.atp-year-big { font-size: 1.8rem; font-weight: 700; color: #0f3d56; }
.atp-milestone { margin-bottom: 8px; }
.atp-milestone .atp-quote { background: transparent; border-left: none !important;
  padding: 0 !important; margin: 0 0 6px 0 !important; font-size: 0.95rem; color: #0f172a; }
"""

# Gradio's sanitiser removes inline handlers, so one delegated listener serves every answer.
HEAD = """
<script>
document.addEventListener("click", async (event) => {
  const button = event.target.closest && event.target.closest("button.atp-copy");
  if (!button) return;
  const source = button.closest(".atp-answer").querySelector("pre.atp-copytext");
  const text = source ? source.textContent : "";
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  const label = button.textContent;
  button.textContent = "Copied ✓";
  setTimeout(() => { button.textContent = label; }, 1500);
});
// Plotly follows window resizes only, but a tab's width settles after its figure is drawn.
setInterval(() => {
  for (const plot of document.querySelectorAll(".js-plotly-plot")) {
    const drawn = plot._fullLayout && plot._fullLayout.width;
    if (window.Plotly && drawn && plot.clientWidth && Math.abs(drawn - plot.clientWidth) > 2) {
      window.Plotly.Plots.resize(plot);
    }
  }
}, 500);
</script>
"""
