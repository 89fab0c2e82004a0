// biorepo pages: scan fields (a scan replaces what the field holds; a scanner's Tab ends a scan),
// the box grid (tap a vial for its details, a free cell to put items there), the kinds' fields.
"use strict";

// A scanner types a whole code in one burst, a few ms a key; a person takes 100 ms or more. Keys
// at most SCAN_GAP_MS apart are a burst; SCAN_MIN of them are a scan (a person's quick pair is
// not), and a scanner's Enter or Tab follows its last character within SCAN_END_MS.
const SCAN_GAP_MS = 50;
const SCAN_MIN = 4;
const SCAN_END_MS = 150;

// A scan field (data-scan): a scan replaces what it holds. data-scan="list": a scan goes on its
// own line (or after a space); data-scan="submit": a scanner's Tab submits, as its Enter does.
function scanField(field) {
  const mode = field.dataset.scan;
  const separator = field.tagName === "TEXTAREA" ? "\n" : " ";
  let last = -Infinity; // when the last character came
  let burst = null; // the characters that came at scanner speed, and what the field held before
  const put = (value) => {
    field.value = value;
    field.setSelectionRange(value.length, value.length);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  };
  if (mode !== "list") {
    field.addEventListener("focus", () => field.select());
    if (document.activeElement === field) field.select(); // focused by its autofocus already
  }
  field.addEventListener("keydown", (event) => {
    if (event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    const since = event.timeStamp - last;
    if (event.key === "Tab" && !event.shiftKey) {
      const scanned = burst !== null && burst.chars.length >= SCAN_MIN && since <= SCAN_END_MS;
      burst = null;
      if (!scanned || mode === undefined || mode === "") return; // a person's Tab moves on
      event.preventDefault(); // a list keeps the focus for the next scan
      if (mode === "submit" && field.value.trim()) field.form.requestSubmit();
      return;
    }
    if (event.key.length !== 1) {
      burst = null; // Enter, an arrow...: the next character starts anew
      return;
    }
    last = event.timeStamp;
    if (burst === null || since > SCAN_GAP_MS) burst = { before: field.value, chars: "" };
    burst.chars += event.key;
    if (burst.chars.length < SCAN_MIN) return;
    event.preventDefault();
    const kept = mode === "list" ? burst.before.trimEnd() : "";
    put(kept ? kept + separator + burst.chars : burst.chars);
  });
}

function boxGrid() {
  const details = document.getElementById("cell-details");
  const mark = (cell) => {
    document.querySelectorAll(".grid .cell.chosen").forEach((c) => c.classList.remove("chosen"));
    cell.classList.add("chosen");
  };
  document.querySelectorAll(".grid a.cell").forEach((cell) => {
    cell.addEventListener("click", (event) => {
      if (!details) return;
      event.preventDefault(); // the first tap shows the details; their link opens the item
      details.querySelectorAll("[data-field]").forEach((part) => {
        const name = part.dataset.field;
        if (name === "href") part.href = cell.href;
        else part.textContent = cell.dataset[name];
      });
      details.hidden = false;
      mark(cell);
      details.scrollIntoView({ block: "nearest" });
    });
  });
  document.querySelectorAll(".grid button.cell").forEach((cell) => {
    cell.addEventListener("click", () => {
      const place = document.getElementById("action-place");
      if (!place) return;
      if (details) details.hidden = true;
      place.open = true;
      document.getElementById("place-position").value = cell.dataset.position;
      mark(cell);
      document.getElementById("place-items").focus();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-scan]").forEach(scanField);
  // a refused form starts on its (first shown) field in error; each bench step on its first field
  const shown = (field) => field.getClientRects().length > 0;
  const invalid = [...document.querySelectorAll("main [aria-invalid]")].find(shown);
  const first = invalid || document.querySelector("main [autofocus]");
  if (first) first.focus();
  const scan = document.getElementById("scan-code");
  const busy = document.querySelector("[autofocus], details[open] input, [aria-invalid]");
  if (scan && scan.hasAttribute("data-scan-focus") && !busy) scan.focus();
  boxGrid();
  const kind = document.querySelector("[data-kind-select]");
  if (kind) {
    // the registration form shows only the chosen kind's fields (and sends only those)
    const showKind = () =>
      document.querySelectorAll("fieldset[data-kind]").forEach((set) => {
        const on = set.dataset.kind === kind.value;
        set.hidden = !on;
        set.disabled = !on;
      });
    kind.addEventListener("change", showKind);
    showKind();
  }
});
