// Draft self-check page: calls the same API as every other client. No framework, no CDN.
"use strict";

const $ = (id) => document.getElementById(id);
let rubricCache = {};

function headers(json = true) {
  const h = json ? { "Content-Type": "application/json" } : {};
  const key = $("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

async function call(path, body) {
  const res = await fetch(path, body === undefined ? { headers: headers(false) }
    : { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.detail || `request failed (${res.status})`);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "text") node.textContent = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

async function loadRubrics() {
  try {
    const list = await call("/v1/rubrics");
    for (const r of list) $("rubric").append(el("option", { value: r.id, text: `${r.name} (${r.id})` }));
  } catch (e) {
    setStatus(`Rubrics unavailable: ${e.message}`, true);
  }
}

async function rubricChanged() {
  const id = $("rubric").value;
  const profile = $("profile");
  profile.replaceChildren(el("option", { value: "", text: "All components" }));
  profile.disabled = !id;
  $("rating-fields").replaceChildren();
  $("ratings").hidden = !id;
  if (!id) return;
  const rubric = rubricCache[id] || (rubricCache[id] = await call(`/v1/rubrics/${encodeURIComponent(id)}`));
  for (const p of rubric.profiles) profile.append(el("option", { value: p.id, text: p.name }));
  renderRatingFields(rubric);
}

function renderRatingFields(rubric) {
  const chosen = $("profile").value;
  const profile = rubric.profiles.find((p) => p.id === chosen);
  const fields = $("rating-fields");
  fields.replaceChildren();
  for (const d of rubric.domains) {
    for (const c of d.components) {
      if (profile && !profile.components.includes(c.id)) continue;
      const select = el("select", { id: `rate-${c.id}`, "data-component": c.id });
      select.append(el("option", { value: "", text: "not rated" }));
      for (const lv of rubric.levels) select.append(el("option", { value: String(lv.value), text: `${lv.value} ${lv.label}` }));
      fields.append(el("label", { for: `rate-${c.id}` }, `${c.id} ${c.name}`, select));
    }
  }
}

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "";
}

function classesFor(s, unsupported) {
  const out = ["mark"];
  if (s.question !== "none") out.push(`question-${s.question}`);
  else if (unsupported.has(s.index)) out.push("unsupported");
  else if (s.evidence) out.push("evidence");
  else if (s.recommendation) out.push("recommendation");
  else if (s.judgment) out.push("judgment");
  return out;
}

function describe(s, flags) {
  const labels = [];
  if (s.evidence) labels.push(`evidence (${Math.round(s.probabilities.evidence * 100)}%)`);
  if (s.judgment) labels.push(`judgment (${Math.round(s.probabilities.judgment * 100)}%)`);
  if (s.recommendation) labels.push(`next step (${Math.round(s.probabilities.recommendation * 100)}%)`);
  if (s.question !== "none") labels.push(`${s.question} question`);
  const parts = [labels.length ? `Marked: ${labels.join(", ")}.` : "No label: neither evidence, judgment, next step nor question."];
  const cues = s.cues.filter((c) => c.start >= s.start && c.end <= s.end).map((c) => `"${c.text}" (${c.name.replace(/_/g, " ")})`);
  if (cues.length) parts.push(`Cues: ${cues.slice(0, 4).join(", ")}.`);
  if (s.component) parts.push(`Rubric component: ${s.component}.`);
  return { text: parts.join(" "), flags: flags.filter((f) => f.sentence_index === s.index) };
}

function showExplanation(info) {
  const box = $("explain");
  box.replaceChildren(el("p", { text: info.text }));
  for (const f of info.flags) {
    box.append(el("p", { text: f.reason }), el("p", { class: "suggestion", text: `Suggestion: ${f.suggestion}` }));
  }
}

function renderMarked(result, text) {
  const flags = result.flags;
  const unsupported = new Set(flags.filter((f) => f.kind === "unsupported_judgment").map((f) => f.sentence_index));
  const box = $("marked");
  box.replaceChildren();
  let pos = 0;
  for (const s of result.sentences) {
    if (s.start > pos) box.append(text.slice(pos, s.start));
    const info = describe(s, flags);
    const span = el("span", { class: classesFor(s, unsupported).join(" "), tabindex: "0", "data-index": String(s.index),
      title: [info.text, ...info.flags.map((f) => `${f.reason} Suggestion: ${f.suggestion}`)].join("\n") });
    span.textContent = text.slice(s.start, s.end);
    span.addEventListener("focus", () => showExplanation(info));
    span.addEventListener("mouseenter", () => showExplanation(info));
    box.append(span);
    pos = s.end;
  }
  if (pos < text.length) box.append(text.slice(pos));
}

function renderScores(result) {
  const sc = result.scores;
  const details = {
    evidence: `${sc.evidence.evidence_sentences} of ${sc.evidence.sentences} sentences cite evidence; ${sc.evidence.unsupported_judgments} of ${sc.evidence.judgments} judgments unsupported`,
    actionability: `${sc.actionability.next_steps} next steps, ${sc.actionability.tied_to_evidence} tied to evidence`,
    questions: `${sc.questions.open} open, ${sc.questions.closed} closed, ${sc.questions.leading} leading`,
  };
  const body = $("scores").tBodies[0];
  body.replaceChildren();
  for (const p of sc.overall.parts) {
    body.append(el("tr", {}, el("td", { text: p.name }), el("td", { text: String(Math.round(p.score)) }),
      el("td", { text: p.weight.toFixed(2) }), el("td", { text: details[p.name] || "" })));
  }
  body.append(el("tr", {}, el("th", { text: "overall" }), el("th", { text: String(Math.round(sc.overall.score)) }), el("td"), el("td")));
}

function renderLists(result) {
  const bySentence = (i) => result.sentences[i].text;
  const unsupported = result.flags.filter((f) => f.kind === "unsupported_judgment");
  $("unsupported").replaceChildren(...(unsupported.length ? unsupported.map((f) =>
    el("li", {}, `“${bySentence(f.sentence_index)}” `, el("span", { class: "suggestion", text: f.suggestion })))
    : [el("li", { text: "None: every judgment has evidence nearby." })]));
  const qs = result.flags.filter((f) => f.kind === "closed_question" || f.kind === "leading_question");
  $("questions").replaceChildren(...(qs.length ? qs.map((f) =>
    el("li", {}, `“${bySentence(f.sentence_index)}” `, el("span", { class: "suggestion", text: f.suggestion })))
    : [el("li", { text: "None." })]));
  $("readiness").replaceChildren(...result.scores.readiness.items.map((item) =>
    el("li", { class: item.met ? "met" : "unmet" }, item.label + (item.met ? ` (sentences ${item.sentences.map((i) => i + 1).join(", ")})` : `: ${item.missing}`))));
  const a = result.scores.alignment;
  $("alignment-section").hidden = !a;
  if (!a) return;
  $("alignment-summary").textContent = `${a.rubric} ${a.rubric_version}: score ${Math.round(a.score)}; ${a.components_addressed} components addressed, ${a.components_with_evidence} with evidence.`;
  const checks = Object.fromEntries(a.rating_checks.map((c) => [c.component, c]));
  const coverage = Object.fromEntries(a.coverage.map((c) => [c.id, c]));
  const ids = [...a.focus_components, ...a.coverage.map((c) => c.id).filter((c) => !a.focus_components.includes(c))];
  $("alignment").tBodies[0].replaceChildren(...ids.map((id) => {
    const cov = coverage[id], check = checks[id];
    return el("tr", {}, el("td", { text: `${id} ${cov ? cov.name : check ? check.name : ""}` }),
      el("td", { text: check ? `${check.rating} ${check.rating_label}` : "" }),
      el("td", { text: cov ? cov.sentences.map((i) => i + 1).join(", ") : "-" }),
      el("td", { text: cov ? String(cov.evidence_sentences.length) : "0" }),
      el("td", { text: check ? check.message : "" }));
  }));
}

async function submit(event) {
  event.preventDefault();
  const text = $("draft").value;
  const body = { text };
  const rubric = $("rubric").value;
  if (rubric) {
    body.rubric = rubric;
    if ($("profile").value) body.profile = $("profile").value;
    const ratings = {};
    for (const s of $("rating-fields").querySelectorAll("select")) if (s.value) ratings[s.dataset.component] = Number(s.value);
    if (Object.keys(ratings).length) body.ratings = ratings;
  }
  $("check").disabled = true;
  setStatus("Checking...");
  try {
    const result = await call("/v1/analyze", body);
    renderMarked(result, text);
    renderScores(result);
    renderLists(result);
    $("results").hidden = false;
    const warnings = result.warnings.map((w) => w.message).join(" ");
    setStatus(`Checked ${result.sentences.length} sentences.${warnings ? " " + warnings : ""}`);
    $("results-title").focus({ preventScroll: false });
  } catch (e) {
    setStatus(e.message, true);
  } finally {
    $("check").disabled = false;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("results-title").setAttribute("tabindex", "-1");
  $("draft-form").addEventListener("submit", submit);
  $("rubric").addEventListener("change", () => rubricChanged().catch((e) => setStatus(e.message, true)));
  $("profile").addEventListener("change", () => { const r = rubricCache[$("rubric").value]; if (r) renderRatingFields(r); });
  loadRubrics();
});
