// pixforge console: uploads by drop or choice, copy buttons, and the model rules of the
// playground form (Alpine data "launch"). No build step; loaded before Alpine.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// A file chosen or dropped on an upload input is stored at once; its id fills the hidden field.
async function uploadFile(input) {
  const file = input.files && input.files[0];
  const state = input.parentElement.querySelector(".upload-state");
  const target = document.getElementById(input.dataset.target);
  if (!file || !target) return;
  state.textContent = "Uploading " + file.name + "…";
  const body = new FormData();
  body.append("file", file);
  body.append("csrf", csrfToken());
  try {
    const response = await fetch(input.dataset.upload, {
      method: "POST", body, headers: { "X-CSRF-Token": csrfToken() }, credentials: "same-origin",
    });
    const answer = await response.json();
    if (answer.code !== 0) {
      state.textContent = "Error " + answer.code + ": " + answer.message;
      state.classList.add("error");
      return;
    }
    const value = (input.dataset.prefix || "") + answer.id;
    if (target.tagName === "SELECT") {
      const option = new Option(file.name + " (uploaded, " + answer.id + ")", value, true, true);
      target.add(option);
    } else {
      target.value = value;
    }
    state.classList.remove("error");
    state.textContent = file.name + " uploaded (" + answer.kind + " " + answer.id + ")";
    state.dataset.uploaded = String(answer.id);
  } catch (error) {
    state.textContent = "Upload failed: " + error;
    state.classList.add("error");
  }
}

document.addEventListener("change", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.type === "file" && input.dataset.upload) {
    uploadFile(input);
  }
});

// Drag and drop: the zone lights up; a drop onto the zone goes to its file input.
document.addEventListener("dragover", (event) => {
  const zone = event.target instanceof Element && event.target.closest("[data-drop]");
  if (zone) { event.preventDefault(); zone.classList.add("over"); }
});
document.addEventListener("dragleave", (event) => {
  const zone = event.target instanceof Element && event.target.closest("[data-drop]");
  if (zone) zone.classList.remove("over");
});
document.addEventListener("drop", (event) => {
  const zone = event.target instanceof Element && event.target.closest("[data-drop]");
  if (!zone) return;
  event.preventDefault();
  zone.classList.remove("over");
  const input = zone.querySelector("input[type=file]");
  if (input && event.dataTransfer && event.dataTransfer.files.length) {
    input.files = event.dataTransfer.files;
    uploadFile(input);
  }
});

// Copy buttons of the "copy as" snippets.
document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element && event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent);
    button.textContent = "Copied";
  } catch (error) {
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = "Selected: press Ctrl+C";
  }
});

// The allowed values per model (from pixforge.values, embedded by the page): only valid
// durations and aspect ratios are offered, fast motion and camera moves only where allowed.
document.addEventListener("alpine:init", () => {
  const element = document.getElementById("model-rules");
  const rules = element ? JSON.parse(element.textContent) : {};
  window.Alpine.data("launch", () => ({
    model: "v5",
    quality: "540p",
    duration: "5",
    init() {
      const model = this.$el.querySelector("[name=model]");
      const quality = this.$el.querySelector("[name=quality]");
      if (model && model.value) this.model = model.value;
      if (quality && quality.value) this.quality = quality.value;
    },
    get rule() { return rules[this.model] || rules.v5 || { durations: [5], durations1080: [5], aspects: ["16:9"] }; },
    get durations() {
      const list = this.quality === "1080p" ? this.rule.durations1080 : this.rule.durations;
      const values = list.map(String);
      if (!values.includes(this.duration)) this.duration = values[0];
      return values;
    },
    get aspects() { return this.rule.aspects; },
    get fast() { return Boolean(this.rule.fast); },
    get camera() { return Boolean(this.rule.camera); },
  }));
});

// A new submission clears the previous one's error.
document.addEventListener("htmx:beforeRequest", (event) => {
  if (event.target instanceof Element && event.target.id === "generate-form") {
    const box = document.getElementById("form-error");
    if (box) box.innerHTML = "";
  }
});
