// formcheck web app: small progressive enhancements. Every page works without this file.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function setupConfirm() {
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (ev) => {
      if (!window.confirm(el.dataset.confirm)) ev.preventDefault();
    });
  });
}

function showError(status, message) {
  // The same card as the server's error page, built with textContent (no HTML injection).
  const page = document.querySelector(".page");
  const card = document.createElement("section");
  card.className = "card error"; card.id = "error"; card.dataset.status = String(status);
  const h = document.createElement("h1");
  h.textContent = status === 413 ? "That file is too big or too long"
    : status === 422 ? "That file could not be used" : "That did not work";
  const p = document.createElement("p"); p.className = "message"; p.textContent = message;
  const back = document.createElement("p"); back.textContent = "Nothing was stored. ";
  const a = document.createElement("a"); a.href = "/"; a.textContent = "Back to the upload page";
  back.appendChild(a);
  card.append(h, p, back);
  page.replaceChildren(card);
  document.title = "formcheck: " + status;
}

function setupUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("video");
  const drop = document.getElementById("drop");
  const bar = document.getElementById("upload-progress");
  const status = document.getElementById("upload-status");
  const show = () => {
    const f = input.files[0];
    drop.querySelector("span").textContent = f ? f.name : "Drop a video here, or tap to pick one";
  };
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (ev) => {
    ev.preventDefault(); drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    if (ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; show(); }
  });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/analyses");
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    bar.hidden = false;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
      status.textContent = "Uploading… " + bar.value + "%";
    });
    xhr.addEventListener("load", () => {
      let doc = {};
      try { doc = JSON.parse(xhr.responseText); } catch (e) { doc = {}; }
      if (xhr.status === 202) { window.location = doc.links.page; return; }
      // The server said no: show the same error page the form would have shown.
      const msg = doc.error ? doc.error.message : ("upload failed (" + xhr.status + ")");
      showError(xhr.status, msg);
    });
    xhr.addEventListener("error", () => { status.textContent = "Upload failed: connection lost."; });
    xhr.send(new FormData(form));
  });
}

function setupJob() {
  const box = document.getElementById("job");
  if (!box || !["queued", "running"].includes(box.dataset.status)) return;
  const id = box.dataset.job;
  const tick = async () => {
    let job;
    try {
      const res = await fetch("/api/jobs/" + id, { headers: { Accept: "application/json" } });
      job = await res.json();
    } catch (e) { setTimeout(tick, 2000); return; }
    if (!["queued", "running"].includes(job.status)) { window.location.reload(); return; }
    document.getElementById("stage").textContent = job.stage_label;
    document.getElementById("percent").textContent = Math.round(job.percent);
    document.getElementById("job-progress").value = job.percent;
    document.getElementById("eta").textContent = job.eta_s === null
      ? "working out the time left" : "about " + Math.round(job.eta_s) + " s left";
    setTimeout(tick, 700);
  };
  setTimeout(tick, 500);
}

function setupNoFlags() {
  const button = document.getElementById("no-flags");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    document.querySelectorAll('#red-flags input[value="n"]').forEach((r) => { r.checked = true; });
  });
}

function showPicked() {
  const out = document.getElementById("picked");
  if (!out) return;
  const names = [...document.querySelectorAll('input[name="regions"]:checked')]
    .map((box) => box.parentElement.textContent.trim());
  out.textContent = names.length ? "Picked: " + names.join("; ") : "Nothing picked yet.";
}

function setupBodyMap() {
  document.querySelectorAll(".bodymap [data-region]").forEach((shape) => {
    const box = document.getElementById("region-" + shape.dataset.region);
    if (!box) return;
    const sync = () => { shape.classList.toggle("picked", box.checked); showPicked(); };
    shape.addEventListener("click", () => { box.checked = !box.checked; sync(); });
    shape.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); box.checked = !box.checked; sync(); }
    });
    box.addEventListener("change", sync);
    sync();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupConfirm(); setupUpload(); setupJob(); setupBodyMap(); setupNoFlags();
});
