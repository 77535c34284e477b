"""The look: a calm theme with system fonts (nothing is fetched from the internet), source
cards, and a small script for the per-answer copy button."""

from __future__ import annotations

import gradio as gr

SYSTEM_FONTS = ("ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif")
MONO_FONTS = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")


def theme() -> gr.themes.Base:
    """Soft, with the colours Soft leaves below WCAG AA (4.5:1) darkened or lightened."""
    return gr.themes.Soft(
        primary_hue="teal",
        secondary_hue="amber",
        neutral_hue="slate",
        font=SYSTEM_FONTS,
        font_mono=MONO_FONTS,
        radius_size="md",
    ).set(
        body_background_fill="#f6f8fa",
        body_background_fill_dark="#0b1220",
        block_radius="12px",
        color_accent="*primary_700",
        color_accent_soft_dark="*primary_800",
        body_text_color_subdued="*neutral_600",
        body_text_color_subdued_dark="*neutral_300",
        block_info_text_color="*neutral_600",
        block_info_text_color_dark="*neutral_300",
        block_label_text_color="*primary_800",
        block_label_text_color_dark="white",
        block_title_text_color="*primary_800",
        block_title_text_color_dark="white",
        block_label_background_fill_dark="*primary_700",
        block_title_background_fill_dark="*primary_700",
        input_placeholder_color="*neutral_500",
        input_placeholder_color_dark="*neutral_300",
        button_primary_background_fill="#0f766e",
        button_primary_background_fill_hover="#115e59",
        button_primary_background_fill_dark="#0f766e",
        button_primary_background_fill_hover_dark="#115e59",
        button_primary_text_color_dark="white",
        checkbox_label_text_color_dark="*neutral_100",
        checkbox_label_background_fill_selected="*primary_700",
        checkbox_label_background_fill_selected_dark="*primary_700",
        checkbox_label_text_color_selected="white",
        checkbox_label_text_color_selected_dark="white",
    )


# Our own colours are variables, so dark mode (Gradio puts `dark` on <body>) swaps one list.
CSS = """
:root { --atp-fg: #0f172a; --atp-fg-2: #334155; --atp-muted: #475569; --atp-card: #ffffff;
  --atp-quote-bg: #f8fafc; --atp-border: #e2e8f0; --atp-accent: #0f766e; --atp-chip: #f1f5f9;
  --atp-mark: #fde68a; --atp-mark-fg: #1f2937; --atp-refused: #9a3412; --atp-error: #991b1b;
  --atp-warn-accent: #b45309; --atp-target: #99f6e4; --atp-example: #f8fbfb;
  --atp-example-border: #d5e3e1; --atp-example-hover: #eefaf8;
  --atp-pill: #e2f3f1; --atp-pill-fg: #0f5d57; --atp-busy: #fef3c7; --atp-busy-fg: #92400e;
  --atp-bad: #fee2e2; --atp-bad-fg: #991b1b;
  --atp-info-bg: #eff6ff; --atp-info-fg: #1e3a8a; --atp-info-border: #bfdbfe;
  --atp-ok-bg: #ecfdf5; --atp-ok-fg: #065f46; --atp-ok-border: #a7f3d0;
  --atp-warnbox-bg: #fffbeb; --atp-warnbox-fg: #92400e; --atp-warnbox-border: #fde68a;
  --atp-err-bg: #fef2f2; --atp-err-fg: #991b1b; --atp-err-border: #fecaca; }
.dark { --atp-fg: #f1f5f9; --atp-fg-2: #e2e8f0; --atp-muted: #cbd5e1; --atp-card: #111827;
  --atp-quote-bg: #1e293b; --atp-border: #334155; --atp-accent: #5eead4; --atp-chip: #334155;
  --atp-mark: #854d0e; --atp-mark-fg: #fef9c3; --atp-refused: #fdba74; --atp-error: #fca5a5;
  --atp-warn-accent: #f59e0b; --atp-target: #0f766e; --atp-example: #1e293b;
  --atp-example-border: #334155; --atp-example-hover: #134e4a;
  --atp-pill: #134e4a; --atp-pill-fg: #ccfbf1; --atp-busy: #78350f; --atp-busy-fg: #fef3c7;
  --atp-bad: #7f1d1d; --atp-bad-fg: #fee2e2;
  --atp-info-bg: #172554; --atp-info-fg: #dbeafe; --atp-info-border: #1e40af;
  --atp-ok-bg: #064e3b; --atp-ok-fg: #d1fae5; --atp-ok-border: #047857;
  --atp-warnbox-bg: #451a03; --atp-warnbox-fg: #fef3c7; --atp-warnbox-border: #92400e;
  --atp-err-bg: #450a0a; --atp-err-fg: #fee2e2; --atp-err-border: #991b1b; }
/* Soft has one accent for both themes; the light one is too dark on the dark page. */
.dark { --color-accent: #5eead4 !important; }
.gradio-container { width: 100% !important; max-width: 1280px !important; margin: 0 auto !important; }
#atp-header { padding: 10px 18px; border-radius: 14px; color: #fff;
  background: linear-gradient(120deg, #0f3d56 0%, #0f766e 100%); margin-bottom: 4px; }
#atp-header h1 { margin: 0 0 2px 0; font-size: 1.35rem; color: #fff; font-weight: 650; }
#atp-header p { margin: 0; color: #e6f6f4; font-size: 0.88rem; max-width: 1100px; }
#atp-status { min-height: 0; padding-top: 0 !important; padding-bottom: 0 !important; }
#atp-feedback-note:not(:has(.atp-notice)) { display: none !important; }
.atp-status { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; font-size: 0.88rem;
  color: var(--atp-fg-2); }
.atp-pill { background: var(--atp-pill); color: var(--atp-pill-fg); border-radius: 999px;
  padding: 2px 10px; }
.atp-pill.atp-busy { background: var(--atp-busy); color: var(--atp-busy-fg); }
.atp-pill.atp-bad { background: var(--atp-bad); color: var(--atp-bad-fg); }
#atp-chat button.example { border: 1px solid var(--atp-example-border) !important;
  border-radius: 12px !important; background: var(--atp-example) !important; text-align: left; }
#atp-chat button.example, #atp-chat button.example * { color: var(--atp-fg) !important; }
#atp-chat button.example:hover { border-color: var(--atp-accent) !important;
  background: var(--atp-example-hover) !important; }
/* One control per action: the chat's own Clear and Retry buttons sit under the input. */
#atp-chat .icon-button-wrapper.top-panel { display: none !important; }
#atp-chat .placeholder-content, #atp-chat .placeholder { color: var(--atp-fg) !important; }
/* Gradio dims chat messages to 0.8 opacity, which takes every colour below 4.5:1. */
#atp-chat .prose.chatbot.md { opacity: 1 !important; }
.atp-answer .atp-text { line-height: 1.6; }
.atp-streaming .atp-text { color: var(--atp-fg-2); }
.atp-muted { color: var(--atp-muted); }
a.atp-cite { text-decoration: none !important; font-weight: 600; color: var(--atp-accent) !important;
  font-size: 0.85em; vertical-align: super; padding: 0 1px; }
.atp-refused .atp-text { color: var(--atp-refused); }
.atp-error .atp-text { color: var(--atp-error); }
.atp-why { font-size: 0.85rem; color: var(--atp-muted); margin-top: 4px; }
.atp-why:empty { display: none; }
.atp-sources { margin-top: 12px; display: flex; flex-direction: column; gap: 8px; }
.atp-sources-head { font-size: 0.78rem; text-transform: uppercase; letter-spacing: .06em;
  color: var(--atp-muted); font-weight: 600; }
.atp-card { border: 1px solid var(--atp-border); border-left: 4px solid var(--atp-accent);
  border-radius: 10px; padding: 10px 12px; background: var(--atp-card); color: var(--atp-fg); }
.atp-refused .atp-card { border-left-color: var(--atp-warn-accent); }
.atp-card:target { box-shadow: 0 0 0 3px var(--atp-target); }
.atp-card-head { font-size: 0.92rem; line-height: 1.7; }
.atp-card-head > span { margin-right: 6px; }
.atp-n { display: inline-block; text-align: center; min-width: 1.5em; border-radius: 6px;
  background: #0f766e; color: #fff; font-size: 0.8rem; font-weight: 700; padding: 0 5px; }
.atp-refused .atp-n { background: #b45309; }
.atp-title { font-weight: 600; color: var(--atp-fg); }
.atp-kind { font-weight: 600; color: var(--atp-fg); }
.atp-year, .atp-page { color: var(--atp-fg-2); font-size: 0.82rem; background: var(--atp-chip);
  border-radius: 6px; padding: 1px 6px; white-space: nowrap; }
.atp-answer blockquote.atp-quote, .atp-quote { margin: 8px 0 6px 0 !important;
  padding: 6px 10px !important; border-left: 3px solid var(--atp-border) !important;
  color: var(--atp-fg-2); font-style: normal; background: var(--atp-quote-bg); border-radius: 4px;
  font-size: 0.92rem; }
.atp-quote mark { background: var(--atp-mark); color: var(--atp-mark-fg); padding: 0 1px;
  border-radius: 2px; }
.atp-links { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 0.88rem;
  justify-content: flex-start; text-align: left; }
.atp-links a { color: var(--atp-accent) !important; font-weight: 600; padding: 0 !important; }
.atp-tools { display: flex; gap: 12px; align-items: center; margin-top: 10px; }
button.atp-copy { border: 1px solid var(--atp-border); border-radius: 8px; padding: 3px 10px;
  background: var(--atp-card); color: var(--atp-fg-2); font-size: 0.82rem; cursor: pointer; }
button.atp-copy:hover { background: var(--atp-chip); }
.atp-meta { color: var(--atp-muted); font-size: 0.78rem; }
pre.atp-copytext { display: none !important; }
.atp-notice { border-radius: 10px; padding: 10px 14px; font-size: 0.92rem; white-space: normal; }
.atp-notice.atp-info { background: var(--atp-info-bg); color: var(--atp-info-fg);
  border: 1px solid var(--atp-info-border); }
.atp-notice.atp-ok { background: var(--atp-ok-bg); color: var(--atp-ok-fg);
  border: 1px solid var(--atp-ok-border); }
.atp-notice.atp-warn { background: var(--atp-warnbox-bg); color: var(--atp-warnbox-fg);
  border: 1px solid var(--atp-warnbox-border); }
.atp-notice.atp-error { background: var(--atp-err-bg); color: var(--atp-err-fg);
  border: 1px solid var(--atp-err-border); }
.atp-table-wrap { overflow-x: auto; background: var(--atp-card); border: 1px solid var(--atp-border);
  border-radius: 12px; padding: 4px 8px; color: var(--atp-fg); }
table.atp-library { width: 100%; border-collapse: collapse !important; font-size: 0.88rem;
  border: none !important; }
table.atp-library th { text-align: left; color: var(--atp-fg-2); font-weight: 600; background: none;
  border: none !important; border-bottom: 2px solid var(--atp-border) !important; padding: 8px;
  white-space: nowrap; }
table.atp-library td { border: none !important; border-bottom: 1px solid var(--atp-border) !important;
  padding: 8px; vertical-align: top; color: var(--atp-fg); background: var(--atp-card); }
table.atp-library tr:last-child td { border-bottom: none !important; }
table.atp-library tr { border: none !important; padding: 0 !important; }
table.atp-library .atp-nowrap { white-space: nowrap; }
.atp-doc-title a { color: var(--atp-fg) !important; text-decoration: none; padding: 0 !important; }
.atp-doc-title a:hover { color: var(--atp-accent); text-decoration: underline; }
table.atp-library td.atp-num { text-align: right; }
.atp-doc-title { font-weight: 600; color: var(--atp-fg); }
.atp-doc-id { color: var(--atp-muted); font-size: 0.78rem; font-family: ui-monospace, monospace; }
.atp-year-head { display: flex; gap: 12px; align-items: baseline; margin-bottom: 8px; }
.atp-year-big { font-size: 1.8rem; font-weight: 700; color: var(--atp-fg); }
.atp-milestone { margin-bottom: 8px; }
.atp-milestone .atp-quote { background: transparent; border-left: none !important;
  padding: 0 !important; margin: 0 0 6px 0 !important; font-size: 0.95rem; color: var(--atp-fg); }
#atp-ask-row { align-items: stretch; gap: 8px; }
/* The conversation fills the screen above the question box, which stays in view. */
#atp-chat { height: calc(100svh - 390px) !important; min-height: 340px; }
#atp-result:empty { display: none; }
/* A phone shows the chat first: a one-line header, and the options under the conversation. */
@media (max-width: 640px) {
  .column { gap: 8px !important; }
  #atp-header { padding: 8px 12px; border-radius: 10px; }
  #atp-header h1 { font-size: 1rem; margin: 0; white-space: nowrap; overflow: hidden;
    text-overflow: ellipsis; }
  #atp-header p { display: none; }
  .atp-status { font-size: 0.78rem; gap: 6px; }
  #atp-chat { height: calc(100svh - 330px) !important; min-height: 260px; }
  #atp-ask-row { flex-wrap: nowrap !important; }
  #atp-ask-row > * { min-width: 0 !important; }
  #atp-question { flex-grow: 1 !important; }
  #atp-ask-row button { flex: 0 0 72px !important; min-width: 72px !important; }
}
"""

# Gradio's sanitiser removes inline handlers, so one delegated listener serves every answer.
HEAD = """
<style>
/* Gradio scopes the css= rules inside its container; the page's own padding is outside it. */
@media (max-width: 640px) { .gradio-container .main.fillable.app { padding: 6px 8px !important; } }
</style>
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


def header(title: str) -> str:
    """The page's heading and the one paragraph that says what the assistant does."""
    return f"""
<h1>{title}</h1>
<p>Ask about the International Centre for Migration Policy Development's Anti-Trafficking
Programme (since 2002) and its publications. Every claim in an answer carries a numbered
citation to the page it comes from: check the quoted passage, or open that page with the
passage highlighted.
When the publications don't cover a question, it says so.</p>
"""
