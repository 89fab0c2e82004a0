// biorepo pages: the scan box takes the scanner's Enter or Tab; free grid cells fill a position.
document.addEventListener("DOMContentLoaded", () => {
  const first = document.querySelector("main [aria-invalid], main [autofocus]");
  if (first) first.focus();  // each bench step starts on its first field
  const scan = document.getElementById("scan-code");
  if (scan) {
    const busy = document.querySelector("[autofocus], details[open] input, [aria-invalid]");
    if (scan.hasAttribute("data-scan") && !busy) scan.focus();
    scan.addEventListener("keydown", (event) => {
      if (event.key === "Tab" && !event.shiftKey && scan.value.trim()) {
        event.preventDefault();
        scan.form.submit();
      }
    });
  }
  document.querySelectorAll("button.cell").forEach((cell) => {
    cell.addEventListener("click", () => {
      const place = document.getElementById("action-place");
      if (!place) return;
      place.open = true;
      document.getElementById("place-row").value = cell.dataset.row;
      document.getElementById("place-col").value = cell.dataset.col;
      document.querySelectorAll("button.cell.chosen").forEach((c) => c.classList.remove("chosen"));
      cell.classList.add("chosen");
      document.getElementById("place-items").focus();
    });
  });
  const kind = document.querySelector("[data-kind-select]");
  if (kind) {  // the registration form shows only the chosen kind's fields (and sends only those)
    const showKind = () => document.querySelectorAll("fieldset[data-kind]").forEach((set) => {
      const on = set.dataset.kind === kind.value;
      set.hidden = !on;
      set.disabled = !on;
    });
    kind.addEventListener("change", showKind);
    showKind();
  }
});
