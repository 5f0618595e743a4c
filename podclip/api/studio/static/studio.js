// podclip studio: small progressive enhancements; every action also works as a plain form.
"use strict";

function pollJobs() {
  const table = document.querySelector("table.jobs[data-poll-ms]");
  if (!table) return;
  const every = Number(table.dataset.pollMs) || 3000;
  const tick = async () => {
    try {
      const res = await fetch("/studio/jobs/status.json", { credentials: "same-origin" });
      if (res.ok) {
        const body = await res.json();
        for (const job of body.jobs) {
          const cell = document.querySelector(`[data-job-status="${CSS.escape(job.id)}"]`);
          if (cell) cell.textContent = job.status;
          const bar = document.querySelector(`[data-job-progress="${CSS.escape(job.id)}"]`);
          if (bar) bar.value = job.progress;
        }
      }
    } catch (e) { /* the next tick tries again */ }
    setTimeout(tick, every);
  };
  setTimeout(tick, every);
}

function boardKeys() {
  const clips = Array.from(document.querySelectorAll("article.clip[data-clip]"));
  if (!clips.length) return;
  let at = Math.max(0, clips.findIndex((c) => "#" + c.id === location.hash));
  const focus = (i) => { at = Math.min(clips.length - 1, Math.max(0, i)); clips[at].focus(); };
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
    const current = t && t.closest ? t.closest("article.clip") : null;
    if (current) at = clips.indexOf(current);
    if (ev.key === "j") { focus(at + 1); ev.preventDefault(); }
    else if (ev.key === "k") { focus(at - 1); ev.preventDefault(); }
    else if (ev.key === "a" || ev.key === "r") {
      const form = clips[at].querySelector(`form[data-verdict="${ev.key === "a" ? "approve" : "reject"}"]`);
      if (form) { ev.preventDefault(); form.requestSubmit(); }
    }
  });
}

function transcriptPick() {
  const box = document.querySelector("[data-transcript]");
  if (!box) return;
  const start = document.getElementById("new-start");
  const end = document.getElementById("new-end");
  let first = null;
  box.addEventListener("click", (ev) => {
    const w = ev.target.closest(".w");
    if (!w) return;
    if (first === null) {
      box.querySelectorAll(".w.sel").forEach((x) => x.classList.remove("sel"));
      first = w;
      w.classList.add("sel");
      start.value = w.dataset.start;
      end.value = "";
    } else {
      const a = Math.min(Number(first.dataset.start), Number(w.dataset.start));
      const b = Math.max(Number(first.dataset.end), Number(w.dataset.end));
      start.value = a.toFixed(2);
      end.value = b.toFixed(2);
      w.classList.add("sel");
      first = null;
      end.focus();
    }
  });
}

document.addEventListener("DOMContentLoaded", () => { pollJobs(); boardKeys(); transcriptPick(); });
